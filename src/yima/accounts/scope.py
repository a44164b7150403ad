"""What a user may see and change, worked out once per request from their memberships.

This is the input of every visibility gate (e.g. `Facility.objects.visible_to(user)`): regulators
see and edit what lies in their regions; contractors see (but do not edit the ledger of) the
facilities under their contract; administrators see everything; anyone else sees nothing.
"""

from dataclasses import dataclass

from yima.accounts.choices import OrganisationKind


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    region_prefixes: tuple[str, ...] = ()  # regulator scopes, e.g. ("3601",) or ("360121",)
    contractor_ids: tuple[int, ...] = ()

    @property
    def is_regulator(self) -> bool:
        return self.is_admin or bool(self.region_prefixes)

    @property
    def is_contractor(self) -> bool:
        return bool(self.contractor_ids)

    @property
    def is_staff_member(self) -> bool:
        return self.is_admin or bool(self.region_prefixes) or bool(self.contractor_ids)

    def covers_region_code(self, code: str) -> bool:
        """Whether a region (12-digit code) lies inside this user's regulator scope."""
        return self.is_admin or any(code.startswith(p) for p in self.region_prefixes)


ANONYMOUS = Scope()


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_yima_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_admin=True)
    else:
        prefixes: list[str] = []
        contractors: list[int] = []
        memberships = user.memberships.filter(organisation__is_active=True).select_related(
            "organisation__region"
        )
        for membership in memberships:
            org = membership.organisation
            if org.kind == OrganisationKind.REGULATOR and org.region is not None:
                prefixes.append(org.region.prefix)
            elif org.kind == OrganisationKind.CONTRACTOR:
                contractors.append(org.pk)
        scope = Scope(
            region_prefixes=tuple(sorted(set(prefixes))), contractor_ids=tuple(contractors)
        )
    user._yima_scope = scope
    return scope
