"""The Dash front end: the page shell, pages (one module each), figures and theme."""
