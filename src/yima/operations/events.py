"""Events other apps can listen to, sent only after the writing transaction commits.

`facility_ops_changed(facility_id, what)` fires when an inspection, water sample or work order
changes what a facility's pages show (e.g. the scan page's cached public face).
"""

from django.dispatch import Signal

facility_ops_changed = Signal()
