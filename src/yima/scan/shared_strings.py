"""Strings of other apps that the scan pages and signs show, listed so that this app's catalog
(locale/zh_Hans) carries their Chinese too: a sign printed or a page scanned must be Chinese
even where the owning app has no translation yet. An app's own catalog wins where it has one
(apps listed earlier in INSTALLED_APPS take precedence), so keep the same wording.
"""

from django.utils.translation import gettext_noop

SHARED = (
    # yima.facilities.choices
    gettext_noop("Planned"),
    gettext_noop("Under construction"),
    gettext_noop("In service"),
    gettext_noop("Suspended"),
    gettext_noop("Decommissioned"),
    gettext_noop("Constructed wetland"),
    gettext_noop("Biological contact oxidation"),
    gettext_noop("Integrated equipment"),
    gettext_noop("Anaerobic + ecological filter"),
    gettext_noop("Other"),
    gettext_noop("Grade 1A"),
    gettext_noop("Grade 1B"),
    gettext_noop("Grade 1"),
    gettext_noop("Grade 2"),
    gettext_noop("Grade 3"),
    # yima.facilities.codes
    gettext_noop(
        "A facility code has 15 characters: 6-digit county, 4-digit year, 4-digit serial and a "
        "check character (e.g. 360121-2019-0019-X)."
    ),
    gettext_noop(
        "The check character does not match: one of the digits was probably mistyped. "
        "Please compare with the sign."
    ),
    # yima.facilities.models (the regulator face lists every ledger field)
    gettext_noop("name"),
    gettext_noop("county"),
    gettext_noop("town"),
    gettext_noop("village"),
    gettext_noop("longitude"),
    gettext_noop("latitude"),
    gettext_noop("year built"),
    gettext_noop("design capacity (m³/d)"),
    gettext_noop("treatment process"),
    gettext_noop("households served"),
    gettext_noop("population served"),
    gettext_noop("discharge standard"),
    gettext_noop("discharge grade"),
    gettext_noop("receiving water"),
    gettext_noop("O&M contractor"),
    gettext_noop("status"),
    gettext_noop("status since"),
    gettext_noop("registered"),
    gettext_noop("updated"),
    # core/base.html, which the staff faces extend
    gettext_noop("Ledger"),
    gettext_noop("Log out"),
    gettext_noop("Your account does not belong to a bureau or contractor yet."),
)
