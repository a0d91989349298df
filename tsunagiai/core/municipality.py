"""The municipality's own settings: ``municipality.yaml`` in its reference data folder, read once.

``settings.REFERENCE_DATA_DIR`` names the folder (``load_reference`` validates and loads the same
folder into the database). The running application reads the file once per process and folder: a
change to it takes effect when the application restarts, as after a deployment. A missing file means
the defaults; an unreadable one too, with a warning in the log, so that a bad edit never stops the
referral timers or anything else that asks.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

MUNICIPALITY_FILE = "municipality.yaml"


def municipality_settings() -> Mapping[str, Any]:
    """The top-level mapping of the current reference folder's municipality.yaml (empty when there is none)."""
    return read_municipality_settings(str(settings.REFERENCE_DATA_DIR))


@functools.cache
def read_municipality_settings(directory: str) -> Mapping[str, Any]:
    path = Path(directory) / MUNICIPALITY_FILE
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        return MappingProxyType({})
    except (OSError, ValueError, RecursionError, yaml.YAMLError) as error:
        logger.warning("%s: cannot be read (%s); using the defaults", path, type(error).__name__)
        return MappingProxyType({})
    return MappingProxyType(data if isinstance(data, dict) else {})


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "REFERENCE_DATA_DIR":
        read_municipality_settings.cache_clear()
