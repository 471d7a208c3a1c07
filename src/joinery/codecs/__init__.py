"""Attribute types with encode/decode: core-type adapters and the codec registry."""

from . import builtin as _builtin  # noqa: F401  (registers <blob> and <attach>)
from .base import Codec, get_codec, list_codecs
from .values import decoder, encode_value, encoder

__all__ = ["Codec", "decoder", "encode_value", "encoder", "get_codec", "list_codecs"]
