"""Shared test data: a small region tree, two contractors, two facilities and the five personas.

Personas (STYLE.md habit 5): `regulator` (city bureau, all of Nanchang), `county_regulator`
(南昌县 only), `operator` (contractor A, holds the 南昌县 facility), `other_operator`
(contractor B, holds the 进贤县 facility) and `public` (not logged in). `stranger` is a logged-in
user with no organisation.
"""

from dataclasses import dataclass
from decimal import Decimal

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Membership, Organisation, User
from yima.facilities.models import Facility
from yima.facilities.services import facility_register
from yima.regions.choices import Level
from yima.regions.models import Region

PASSWORD = "correct-horse-battery-staple-9"
PERSONAS = ("regulator", "county_regulator", "operator", "other_operator", "public")


def region(code: str, name: str, level: Level, parent: Region | None = None, **kw) -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, **kw}
    )
    return obj


@dataclass
class World:
    province: Region
    city: Region
    nanchang_county: Region
    jinxian: Region
    liantang: Region
    xiangtang: Region
    jinxian_town: Region
    village_a: Region
    village_b: Region
    village_c: Region
    city_bureau: Organisation
    county_bureau: Organisation
    contractor_a: Organisation
    contractor_b: Organisation
    regulator: User
    county_regulator: User
    operator: User
    other_operator: User
    stranger: User
    admin: User
    facility_a: Facility  # 南昌县, contractor A
    facility_b: Facility  # 进贤县, contractor B

    def user(self, persona: str) -> User | None:
        return None if persona == "public" else getattr(self, persona)


def make_user(username: str, org: Organisation | None = None, **kw) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **kw)
    if org is not None:
        Membership.objects.create(user=user, organisation=org)
    return user


def facility_fields(world_county: Region, town: Region, village: Region | None, **kw) -> dict:
    fields = {
        "name": f"{(village or town).name}污水处理站",
        "county": world_county,
        "town": town,
        "village": village,
        "year_built": 2019,
        "capacity_m3d": Decimal("30"),
        "process": "ao",
        "grade": "1B",
        "longitude": Decimal("115.950000"),
        "latitude": Decimal("28.550000"),
    }
    fields.update(kw)
    return fields


def make_world() -> World:
    province = region("360000000000", "江西省", Level.PROVINCE)
    city = region("360100000000", "南昌市", Level.CITY, province)
    ncx = region("360121000000", "南昌县", Level.COUNTY, city)
    jx = region("360124000000", "进贤县", Level.COUNTY, city)
    liantang = region("360121100000", "莲塘镇", Level.TOWN, ncx)
    xiangtang = region("360121101000", "向塘镇", Level.TOWN, ncx)
    jx_town = region("360124100000", "民和镇", Level.TOWN, jx)
    va = region("360121100201", "罗家村", Level.VILLAGE, liantang, is_demo=True)
    vb = region("360121101201", "新塘村", Level.VILLAGE, xiangtang, is_demo=True)
    vc = region("360124100201", "李渡村", Level.VILLAGE, jx_town, is_demo=True)
    city_bureau = Organisation.objects.create(
        name="南昌市生态环境局", kind=OrganisationKind.REGULATOR, region=city
    )
    county_bureau = Organisation.objects.create(
        name="南昌县生态环境分局", kind=OrganisationKind.REGULATOR, region=ncx
    )
    contractor_a = Organisation.objects.create(
        name="江西清源环保运维有限公司", kind=OrganisationKind.CONTRACTOR, phone="0791-88880001"
    )
    contractor_b = Organisation.objects.create(
        name="南昌碧水环境工程有限公司", kind=OrganisationKind.CONTRACTOR, phone="0791-88880002"
    )
    admin = User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    facility_a = facility_register(
        actor=admin,
        **facility_fields(
            ncx,
            liantang,
            va,
            contractor=contractor_a,
            longitude=Decimal("115.944000"),
            latitude=Decimal("28.546000"),
        ),
    )
    facility_b = facility_register(
        actor=admin,
        **facility_fields(
            jx,
            jx_town,
            vc,
            contractor=contractor_b,
            year_built=2020,
            longitude=Decimal("116.240000"),
            latitude=Decimal("28.380000"),
        ),
    )
    return World(
        province=province,
        city=city,
        nanchang_county=ncx,
        jinxian=jx,
        liantang=liantang,
        xiangtang=xiangtang,
        jinxian_town=jx_town,
        village_a=va,
        village_b=vb,
        village_c=vc,
        city_bureau=city_bureau,
        county_bureau=county_bureau,
        contractor_a=contractor_a,
        contractor_b=contractor_b,
        regulator=make_user("regulator", city_bureau),
        county_regulator=make_user("county_regulator", county_bureau),
        operator=make_user("operator", contractor_a),
        other_operator=make_user("other_operator", contractor_b),
        stranger=make_user("stranger"),
        admin=admin,
        facility_a=facility_a,
        facility_b=facility_b,
    )
