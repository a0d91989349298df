"""The static files storage behind gunicorn: WhiteNoise's hashed names and gzip copies.

The vendored JavaScript bundles (static/vendor: Chart.js, Leaflet) end with a ``//# sourceMappingURL=`` line
naming a .map file that is not shipped; Django's manifest storage would refuse to collect them. JavaScript is
therefore hashed and compressed but not rewritten (our own scripts reference no other static file by URL);
CSS ``url()``s, ``@import``s and source maps are rewritten to the hashed names as usual.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    patterns = tuple((extension, rules) for extension, rules in HashedFilesMixin.patterns if extension != "*.js")
