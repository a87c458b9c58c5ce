"""``python -m tools.sample_data``: see ``cli.py``."""

import sys

from tools.sample_data.cli import main

sys.exit(main())
