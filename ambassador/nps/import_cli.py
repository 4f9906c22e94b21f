"""`nps import FILE`: the command-line importer."""
