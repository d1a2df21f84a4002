import sys

from neuroattn.cli import main

sys.exit(main())
