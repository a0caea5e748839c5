"""``python -m jurisdiction.cli``: the command line."""

import sys

from jurisdiction.cli import main

sys.exit(main())
