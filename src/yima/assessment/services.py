"""Writes of the contractor assessment: the weights and pass mark (city and provincial bureaus
only, with a reason in the history), and publishing a period's scorecards (frozen numbers)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.accounts.choices import OrganisationKind
from yima.assessment import selectors
from yima.assessment.models import AssessmentItem, AssessmentSettings, PublishedScorecard

NOT_ALLOWED_WEIGHTS = gettext_noop(
    "Only a city or provincial bureau may change the assessment weights."
)
NOT_ALLOWED_PUBLISH = gettext_noop("Only a regulator may publish assessment results.")
REASON_REQUIRED = gettext_noop("Say why the weights change.")
UNKNOWN_ITEM = gettext_noop("Unknown assessment item: %(key)s")
NOT_A_NUMBER = gettext_noop("Enter a number.")
NEGATIVE_WEIGHT = gettext_noop("A weight cannot be negative.")
ZERO_TOTAL = gettext_noop("The weights of the scored items must add up to more than 0.")
BAD_PASS_MARK = gettext_noop("The pass mark must lie between 0 and 100.")
NOTHING_TO_PUBLISH = gettext_noop("There is no scorecard to publish for this period.")


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def assessment_weights_update(
    *, actor, weights: dict[str, Decimal], reason: str, pass_mark: Decimal | None = None
) -> list[AssessmentItem]:
    """Set the weights (item key -> points) and optionally the pass mark, all or nothing.

    Weights must be ≥ 0 and the scored items' weights must add up to more than 0. Each changed
    row gets a history entry with `actor` and `reason`. Returns the items, in order.
    """
    if not selectors.may_edit_weights(actor):
        raise PermissionDenied(_(NOT_ALLOWED_WEIGHTS))
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_(REASON_REQUIRED)]
    with transaction.atomic():
        items = {item.key: item for item in AssessmentItem.objects.select_for_update()}
        new: dict[str, Decimal] = {}
        for key, value in weights.items():
            if key not in items:
                errors.setdefault("__all__", []).append(_(UNKNOWN_ITEM) % {"key": key})
                continue
            number = _decimal(value)
            if number is None:
                errors[key] = [_(NOT_A_NUMBER)]
            elif number < 0:
                errors[key] = [_(NEGATIVE_WEIGHT)]
            else:
                new[key] = number.quantize(Decimal("0.01"))
        total = sum(
            (new.get(key, item.weight) for key, item in items.items() if item.is_active),
            Decimal("0"),
        )
        if not any(k in errors for k in weights) and total <= 0:
            errors.setdefault("__all__", []).append(_(ZERO_TOTAL))
        mark = None
        if pass_mark is not None:
            mark = _decimal(pass_mark)
            if mark is None or not Decimal("0") <= mark <= Decimal("100"):
                errors["pass_mark"] = [_(BAD_PASS_MARK)]
        if errors:
            raise ValidationError(errors)
        for key, weight in new.items():
            item = items[key]
            if item.weight != weight:
                item.weight = weight
                item._history_user = actor
                item._change_reason = reason
                item.save(update_fields=["weight"])
        if mark is not None:
            settings_row = AssessmentSettings.load()
            if settings_row.pass_mark != mark:
                settings_row.pass_mark = mark
                settings_row._history_user = actor
                settings_row._change_reason = reason
                settings_row.save(update_fields=["pass_mark"])
    return list(AssessmentItem.objects.all())


def _bureau_of(actor, region):
    """The regulator organisation the actor publishes for: the narrowest one covering region."""
    memberships = actor.memberships.filter(
        organisation__kind=OrganisationKind.REGULATOR, organisation__is_active=True
    ).select_related("organisation__region")
    bureaus = [m.organisation for m in memberships if m.organisation.region is not None]
    if region is not None:
        bureaus = [b for b in bureaus if region.code.startswith(b.region.prefix)] or bureaus
    bureaus.sort(key=lambda b: len(b.region.prefix), reverse=True)
    return bureaus[0] if bureaus else None


def scorecards_publish(*, actor, period, region=None, note: str = "", now=None) -> int:
    """Freeze the period's scorecards of every contractor in the actor's scope (and region):
    the numbers as computed now, with who and when. Publishing again replaces the same
    bureau's earlier snapshot. Returns how many scorecards were published."""
    if not selectors.may_publish(actor):
        raise PermissionDenied(_(NOT_ALLOWED_PUBLISH))
    cards = selectors.scorecards(user=actor, period=period, region=region, now=now)
    if not cards:
        raise ValidationError(_(NOTHING_TO_PUBLISH))
    bureau = _bureau_of(actor, region)
    region_code = region.code if region is not None else ""
    with transaction.atomic():
        for card in cards:
            snapshot, _created = PublishedScorecard.objects.select_for_update().get_or_create(
                period=period.key,
                contractor=card.contractor,
                bureau=bureau,
                region_code=region_code,
                defaults={"pass_mark": card.pass_mark, "published_by": actor},
            )
            snapshot.total = card.total
            snapshot.pass_mark = card.pass_mark
            snapshot.passed = card.passed
            snapshot.items = [
                {
                    "key": i.key,
                    "name": i.name,
                    "numerator": i.rate.numerator,
                    "denominator": i.rate.denominator,
                    "weight": str(i.weight),
                    "points": None if i.points is None else str(i.points),
                }
                for i in card.items
            ]
            snapshot.published_by = actor
            snapshot.published_at = timezone.now()
            snapshot.note = note.strip()[:500]
            snapshot._history_user = actor
            snapshot._change_reason = note.strip() or _("Published")
            snapshot.save()
    return len(cards)
