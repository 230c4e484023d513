"""Earlier import path of ``vendor_sandbox.dialects.intercom.render``, which it is (the same module object)."""

import sys

from vendor_sandbox.dialects.intercom import render as _module

sys.modules[__name__] = _module
