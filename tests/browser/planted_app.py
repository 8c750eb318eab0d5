"""The app with the planted pages of tests/planted.py, served for the browser walk's own tests:
`python -m tests.browser.planted_app` (PORT as for app.py)."""

from __future__ import annotations

import os

from app import app
from tests import planted

planted.plant()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8050")), debug=False)
