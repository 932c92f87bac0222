"""The indicator catalogue: indicators, validation rules, the standard set and its page."""
