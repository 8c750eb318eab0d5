"""Builds the Dash app and exposes `server` for gunicorn. Nothing else lives here."""

from dashboard import logs
from dashboard.shell import create_app
from data.settings import settings

settings()  # a mistyped setting stops the start with the variable's name and the fix, not a later request
logs.configure()  # JSON lines on stderr, one per request
app = create_app()
server = app.server

if __name__ == "__main__":
    from dashboard.signin import start_notice

    if notice := start_notice():
        print(notice, flush=True)
    app.run(host=settings().host, port=settings().port, debug=False)
