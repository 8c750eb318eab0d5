"""Plain Flask routes beside the Dash pages (downloads, the board pack PDF). Each checks the audience itself."""

from __future__ import annotations

from flask import Flask


def register(server: Flask) -> None:
    """Attach the routes to the app's Flask server."""
