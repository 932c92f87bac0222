"""The home page: what each role is responsible for."""
