"""The body of each ``fireside`` subcommand; the parser and ``main`` are ``fireside.cli``."""
