"""Reads of the facility ledger, always through the visibility gate."""

from django.db.models import Q, QuerySet

from yima.accounts.scope import scope_for
from yima.facilities.models import Facility


def _region_q(prefixes: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        field = "town__code__startswith" if len(prefix) > 6 else "county__code__startswith"
        q |= Q(**{field: prefix})
    return q


def visibility_q(user) -> Q | None:
    """Filter for the facilities `user` may see; None when they may see none."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.is_staff_member:
        return None
    q = _region_q(scope.region_prefixes)
    if scope.contractor_ids:
        q |= Q(contractor_id__in=scope.contractor_ids)
    return q


def edit_q(user) -> Q | None:
    """Filter for the facilities whose ledger entry `user` may change (regulators in scope)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.region_prefixes:
        return None
    return _region_q(scope.region_prefixes)


def facility_list(*, user) -> QuerySet[Facility]:
    return Facility.objects.visible_to(user).select_related(
        "county", "town", "village", "contractor"
    )


def facility_get(*, user, code: str) -> Facility:
    """The visible facility with this compact code, or Facility.DoesNotExist (-> 404)."""
    return facility_list(user=user).get(code=code)


def can_edit(user, facility: Facility) -> bool:
    return Facility.objects.editable_by(user).filter(pk=facility.pk).exists()
