"""The moderator's dashboard and the speakers' stage screen (Textual apps)."""
