"""Exclusive offers for active ambassadors: codes that are handed out once and never oversold."""
