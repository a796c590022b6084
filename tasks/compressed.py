"""LiveCodeBench's compressed private tests: base64, then zlib, then a pickle of a JSON string.

The pickle is read by an unpickler that refuses every class and function, so only plain strings and
containers load: a data file can never make the loader run code (`pickle.loads` is never used).
"""

from __future__ import annotations

import base64
import binascii
import io
import pickle
import zlib
from typing import Any


class PlainDataUnpickler(pickle.Unpickler):
    """Loads strings, numbers and containers; a pickle that names any global (`os.system`) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: only plain data may be unpickled")


def decompress_json_text(text: str) -> str:
    """The JSON text packed in `text`; ValueError with a one-line reason when it is anything else."""
    try:
        packed = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (UnicodeEncodeError, binascii.Error, zlib.error) as error:
        raise ValueError(f"neither JSON nor base64/zlib/pickle-compressed tests ({error})") from None
    try:
        value = PlainDataUnpickler(io.BytesIO(packed)).load()
    except pickle.UnpicklingError as error:
        raise ValueError(str(error)) from None
    except Exception as error:  # a corrupt pickle fails in many ways (EOFError, KeyError, ...); none is ours
        raise ValueError(f"corrupt compressed tests ({type(error).__name__}: {error})") from None
    if not isinstance(value, str):
        raise ValueError(f"compressed tests hold a {type(value).__name__}, expected a JSON string")
    return value
