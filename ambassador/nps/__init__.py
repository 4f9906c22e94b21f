"""Customers, NPS responses, import (CSV, API), scores and the dashboard."""
