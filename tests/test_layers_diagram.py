"""docs/architecture.md shows the layers the import contract enforces (generated, never edited by hand)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tsunagiai.core.management.commands.layers_diagram import contract_layers, document_block, mermaid


def test_the_documented_diagram_is_the_contracts() -> None:
    base = Path(settings.BASE_DIR)
    text = (base / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert document_block(base) in text, "run: python manage.py layers_diagram --write"


def test_every_layer_and_app_of_the_contract_is_drawn(tmp_path: Path) -> None:
    contract = tmp_path / ".importlinter"
    contract.write_text(
        "[importlinter:contract:layers]\nlayers =\n    top\n    # a comment\n    a | b\n    c : d\n    bottom\n",
        encoding="utf-8",
    )
    layers = contract_layers(contract)
    assert layers == [(["top"], False), (["a", "b"], False), (["c", "d"], True), (["bottom"], False)]
    drawing = mermaid(layers)
    for name in ("top", "a", "b", "c", "d", "bottom"):
        assert f"    {name}\n" in drawing
    assert 'L1["may not import each other"]' in drawing and 'L2["may import each other"]' in drawing
    assert drawing.count("-->|imports|") == 3
