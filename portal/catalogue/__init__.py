"""The indicator catalogue: indicators, validation rules, the standard catalogue and its administration."""
