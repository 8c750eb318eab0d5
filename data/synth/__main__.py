"""`python -m data.synth --la 801 --out /tmp/x` (the project CLI also exposes it as `python -m data synth`)."""

from data.synth.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
