"""Earlier import path of ``vendor_sandbox.dialects.hubspot.render``, which it is (the same module object)."""

import sys

from vendor_sandbox.dialects.hubspot import render as _module

sys.modules[__name__] = _module
