"""``python -m dataflow_assets.sample_data``: see ``cli.py``."""

import sys

from dataflow_assets.sample_data.cli import main

sys.exit(main())
