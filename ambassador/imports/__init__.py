"""The importer: reading survey exports, previewing them, importing them (web and CLI)."""
