"""The pipeline dependency diagram, drawn without graphviz.

Layers inside this package, bottom up: ``style`` (tier colours and sizes),
``graph`` (which tables to show), ``layers`` and ``layout`` (where to put
them), ``svg`` / ``mermaid`` / ``raster`` (writers), ``core`` (the ``Diagram``
class users see as ``dj.Diagram``).
"""

from .core import Diagram

__all__ = ["Diagram"]
