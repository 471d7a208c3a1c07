"""SQL text from query trees and table specs; dialect differences live in ``dialects/``."""
