"""Earlier import path of ``vendor_sandbox.dialects.salesforce.auth``, which it is (the same module object)."""

import sys

from vendor_sandbox.dialects.salesforce import auth as _module

sys.modules[__name__] = _module
