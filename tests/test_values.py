"""The domain values: valid input builds them, invalid input names every faulty field."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from decimal import Decimal
from typing import Any
from unittest import mock

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fulfillment_core import (
    Address,
    AtFactory,
    CatalogEntry,
    Closure,
    Contact,
    CustomsInfo,
    DayRange,
    Discontinued,
    Hold,
    Insert,
    InWarehouse,
    LineItem,
    LineQuantity,
    Money,
    OutOfStock,
    PaymentStatus,
    ServiceConstraints,
    ServiceStrategy,
    ShipmentPolicy,
    SkuSource,
    SlaThresholds,
    SplitMode,
    StockKind,
    StockStatus,
    SupplierCatalog,
    ValidationError,
    Weekday,
)

from factories import PLACED_AT, make_address, make_catalog, make_line, make_order, make_supplier


def problems_of(build: Any, *args: Any, **kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(ValidationError) as caught:
        build(*args, **kwargs)
    return caught.value.paths


# --------------------------------------------------------------------------- address


def test_address_text_is_normalised() -> None:
    address = Address(
        name="  Zoë\u0308 \n Müller ",  # a decomposed diaeresis and a stray newline
        address1="Invalidenstraße   116",
        postal_code="",
        country_code=" de ",
    )
    assert address.name == "Zoë̈ Müller".replace("ë̈", "ë\u0308")
    assert address.address1 == "Invalidenstraße 116"
    assert address.postal_code is None
    assert address.country_code == "DE"
    assert address.lines == ("Invalidenstraße 116",)


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_text_fields_are_nfc_and_line_fields_folded_to_one_line_whatever_the_script(
    text: str,
) -> None:
    assert Address(name=text).name == (" ".join(unicodedata.normalize("NFC", text).split()) or None)
    line_id = f"line-{text}"
    assert LineQuantity(line_id, 1).line_id == unicodedata.normalize("NFC", line_id).strip()


def test_an_incomplete_address_can_be_built_so_the_check_can_report_it() -> None:
    assert Address(country_code="US").postal_code is None


def test_address_fields_must_be_text() -> None:
    assert problems_of(Address, name=42, postal_code=10115, city="Berlin") == (
        "name",
        "postal_code",
    )


def test_control_characters_are_refused() -> None:
    assert problems_of(Address, address1="Main St\x00") == ("address1",)


def test_contact_fields_must_be_text() -> None:
    assert problems_of(Contact, email=["a@b.c"]) == ("email",)


# --------------------------------------------------------------------------- order


def test_an_order_knows_its_subtotal_and_quantities() -> None:
    order = make_order(
        line_items=[make_line(0, quantity=2), make_line(1, unit_price=Money("5.00", "USD"))]
    )
    assert order.subtotal == Money("44.98", "USD")
    assert order.total_quantity == 3
    assert order.line("line-2").unit_price == Money("5.00", "USD")
    with pytest.raises(KeyError, match="line-1, line-2"):
        order.line("line-9")


def test_placed_at_is_stored_in_utc_whatever_offset_it_came_with() -> None:
    order = make_order(placed_at="2026-11-23T10:14:05-05:00")
    assert order.placed_at == PLACED_AT
    assert order.placed_at.timezone_name == "UTC"
    shanghai = make_order(placed_at=pendulum.datetime(2026, 11, 23, 23, 14, 5, tz="Asia/Shanghai"))
    assert shanghai.placed_at == PLACED_AT


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        make_order(placed_at=dt.datetime(2026, 11, 23, 15, 0))


def test_an_order_may_say_when_it_was_last_edited_but_not_before_it_was_placed() -> None:
    edited = make_order(updated_at="2026-11-24T09:00:00+01:00")
    assert edited.updated_at == pendulum.datetime(2026, 11, 24, 8, tz="UTC")
    assert make_order().updated_at is None
    assert problems_of(make_order, updated_at="2026-11-22T09:00:00+00:00") == ("updated_at",)
    assert problems_of(make_order, updated_at=dt.datetime(2026, 11, 24)) == ("updated_at",)


def test_an_order_needs_at_least_one_line_and_unique_line_ids() -> None:
    assert problems_of(make_order, line_items=[]) == ("line_items",)
    assert problems_of(make_order, line_items=[make_line(0), make_line(0)]) == ("line_items",)


def test_every_price_must_be_in_the_order_currency() -> None:
    paths = problems_of(
        make_order,
        line_items=[make_line(0), make_line(1, currency="EUR")],
        shipping_price=Money("4.99", "CAD"),
    )
    assert paths == ("line_items[1].unit_price.currency", "shipping_price.currency")


def test_an_order_reports_every_faulty_field_at_once() -> None:
    paths = problems_of(
        make_order,
        id="",
        placed_at="yesterday",
        currency="DOLLARS",
        line_items=[make_line(0)],
        contact="maria@example.com",
        payment_status="maybe",
    )
    assert paths == ("id", "placed_at", "currency", "contact", "payment_status")


def test_enumerations_accept_their_values_and_names_in_any_case() -> None:
    assert make_order(payment_status="PARTIALLY_PAID").payment_status is (
        PaymentStatus.PARTIALLY_PAID
    )
    assert make_order(payment_status=" Paid ").payment_status is PaymentStatus.PAID


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1.0}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"unit_price": Money("-1.00", "USD")}, "unit_price"),
        ({"unit_price": "19.99"}, "unit_price"),
        ({"id": None}, "id"),
        ({"grams": -5}, "grams"),
        ({"properties": [("only-a-name",)]}, "properties"),
        ({"customs": {"hs_code": "1234"}}, "customs"),
        ({"requires_shipping": "yes"}, "requires_shipping"),
    ],
)
def test_line_items_refuse_bad_fields(overrides: dict[str, Any], path: str) -> None:
    assert problems_of(make_line, 0, **overrides) == (path,)


def test_line_properties_accept_shopifys_shape_a_mapping_or_pairs() -> None:
    expected = (("Engraving", "A.B."),)
    assert make_line(0, properties=[{"name": "Engraving", "value": "A.B."}]).properties == expected
    assert make_line(0, properties={"Engraving": "A.B."}).properties == expected
    assert make_line(0, properties=[["Engraving", "A.B."]]).properties == expected


def test_a_line_total_is_price_times_quantity() -> None:
    assert make_line(0, quantity=3).total == Money("59.97", "USD")


def test_customs_info_normalises_hs_codes_and_fills_gaps_from_a_fallback() -> None:
    line = CustomsInfo(hs_code="6109.10 00", origin_country="cn")
    assert (line.hs_code, line.origin_country) == ("61091000", "CN")
    merged = line.merged_over(CustomsInfo(hs_code="999999", description="Cotton T-shirt"))
    assert merged == CustomsInfo(
        hs_code="61091000", origin_country="CN", description="Cotton T-shirt"
    )
    assert line.merged_over(None) is line


def _customs(hs_codes: list[str], countries: list[str], words: list[str]) -> Any:
    return st.builds(
        CustomsInfo,
        hs_code=st.sampled_from([None, *hs_codes]),
        origin_country=st.sampled_from([None, *countries]),
        description=st.sampled_from([None, *words]),
    )


@given(
    _customs(["610910"], ["CN"], ["Cotton T-shirt"]),
    st.none() | _customs(["850760"], ["VN"], ["Phone case"]),
)
def test_customs_info_merged_over_takes_each_value_from_itself_first(
    mine: CustomsInfo, fallback: CustomsInfo | None
) -> None:
    merged = mine.merged_over(fallback)
    for name in ("hs_code", "origin_country", "description"):
        assert getattr(merged, name) == (
            getattr(mine, name) or (getattr(fallback, name) if fallback else None)
        )


# --------------------------------------------------------------------------- supplier


def test_a_supplier_has_dropshipping_defaults() -> None:
    supplier = make_supplier()
    assert supplier.work_days == frozenset(Weekday(d) for d in range(5))
    assert supplier.cutoff == dt.time(16, 0)
    assert supplier.processing_days == DayRange(1, 3)
    assert supplier.supported_inserts == frozenset(Insert)
    assert supplier.destinations is None
    assert supplier.tz.name == "Asia/Shanghai"


def test_supplier_settings_accept_friendly_forms() -> None:
    supplier = make_supplier(
        work_days=["Mon", "tuesday", 2, Weekday.THURSDAY, "fri", "sat"],
        cutoff="15:30",
        processing_days=[2, 4],
        holidays=[Closure.on("2026-10-01", "National Day")],
        destinations=["us", "ca"],
    )
    assert Weekday.SATURDAY in supplier.work_days
    assert supplier.cutoff == dt.time(15, 30)
    assert supplier.processing_days == DayRange(2, 4)
    assert supplier.destinations == frozenset({"US", "CA"})
    assert supplier.is_closed_on(dt.date(2026, 10, 1))
    assert supplier.is_closed_on(dt.date(2026, 10, 4))  # a Sunday
    assert not supplier.is_closed_on(dt.date(2026, 10, 3))  # a working Saturday
    assert supplier.ships_to("us")
    assert not supplier.ships_to("MX")


def test_a_supplier_reports_every_faulty_setting() -> None:
    paths = problems_of(
        make_supplier,
        timezone="Asia/Shenzhen",
        country="China",
        work_days=[],
        cutoff="5pm",
        processing_days=[3, 1],
        destinations=["US", "Narnia"],
        supported_inserts=["stickers"],
    )
    assert paths == (
        "timezone",
        "country",
        "work_days",
        "cutoff",
        "processing_days.max_days",
        "supported_inserts",
        "destinations",
    )


@pytest.mark.parametrize("zone", ["Asia", "asia/shanghai", "../etc/passwd", "", "x" * 300])
def test_timezones_must_be_iana_names(zone: str) -> None:
    assert problems_of(make_supplier, timezone=zone) == ("timezone",)


def test_the_cutoff_is_a_wall_clock_time_without_a_zone() -> None:
    cutoff = dt.time(16, 0, tzinfo=dt.UTC)
    assert problems_of(make_supplier, cutoff=cutoff) == ("cutoff",)


def test_closures_run_from_start_to_end_inclusive() -> None:
    closure = Closure("2027-02-05", "2027-02-13", "Chinese New Year")
    assert closure.covers(dt.date(2027, 2, 5))
    assert closure.covers(dt.date(2027, 2, 13))
    assert not closure.covers(dt.date(2027, 2, 14))
    assert problems_of(Closure, "2027-02-13", "2027-02-05") == ("end",)
    assert problems_of(Closure, "13/02/2027", dt.datetime(2027, 2, 14)) == ("start", "end")


def test_day_ranges_read_naturally() -> None:
    assert str(DayRange(1, 3)) == "1-3 days"
    assert str(DayRange(2, 2)) == "2 days"
    assert problems_of(DayRange, -1, 2) == ("min_days",)


# --------------------------------------------------------------------------- catalogue


def test_the_catalogue_ranks_sources_and_filters_them_by_destination() -> None:
    catalog = make_catalog(
        CatalogEntry(
            "LAMP-SUNSET-01",
            [
                SkuSource("sup-sz-01", "SZ-LMP-0093", destinations=["US"]),
                SkuSource("sup-yw-02", "YW-SUNSET-L"),
            ],
        )
    )
    assert [s.supplier_id for s in catalog.sources("LAMP-SUNSET-01", "DE")] == ["sup-yw-02"]
    assert [s.supplier_id for s in catalog.sources("LAMP-SUNSET-01", "us")] == [
        "sup-sz-01",
        "sup-yw-02",
    ]
    assert catalog.sources("NOPE") == ()
    assert catalog.source_for("LAMP-SUNSET-01", "sup-yw-02") == SkuSource(
        "sup-yw-02", "YW-SUNSET-L"
    )
    assert catalog.source_for("LAMP-SUNSET-01", "sup-xx-99") is None
    assert catalog.get("LAMP-SUNSET-01").primary.supplier_id == "sup-sz-01"  # type: ignore[union-attr]
    assert "LAMP-SUNSET-01" in catalog
    assert 42 not in catalog
    assert len(catalog) == len(list(catalog)) == 2


def test_a_catalogue_refuses_duplicate_skus_and_duplicate_suppliers_per_sku() -> None:
    entry = CatalogEntry("A", [SkuSource("s1", "x")])
    assert problems_of(SupplierCatalog, [entry, entry]) == ("entries",)
    assert problems_of(CatalogEntry, "A", [SkuSource("s1", "x"), SkuSource("s1", "y")]) == (
        "sources",
    )
    assert problems_of(CatalogEntry, "A", []) == ("sources",)


def test_two_catalogues_with_the_same_entries_are_equal() -> None:
    assert make_catalog() == make_catalog()


# --------------------------------------------------------------------------- stock

AS_OF = pendulum.datetime(2026, 3, 2, 1, 30, tz="UTC")


def test_each_stock_answer_has_its_kind_and_available_quantity() -> None:
    answers = [
        InWarehouse("SZ-1", as_of=AS_OF, quantity=12),
        AtFactory("SZ-1", as_of=AS_OF, quantity=500, ready_by=AS_OF.add(days=1)),
        OutOfStock("SZ-1", as_of=AS_OF, restock_eta=AS_OF.add(days=9)),
        OutOfStock("SZ-1", as_of=AS_OF),
        Discontinued("SZ-1", as_of=AS_OF),
    ]
    assert [a.kind for a in answers] == [
        StockKind.IN_WAREHOUSE,
        StockKind.AT_FACTORY,
        StockKind.OUT_OF_STOCK,
        StockKind.OUT_OF_STOCK,
        StockKind.DISCONTINUED,
    ]
    assert [a.available_quantity for a in answers] == [12, 500, 0, 0, 0]
    assert all(isinstance(a, StockStatus) for a in answers)


def test_the_stock_base_class_cannot_be_built() -> None:
    with pytest.raises(ValidationError, match="InWarehouse, AtFactory"):
        StockStatus("SZ-1", as_of=AS_OF)


def test_stock_answers_must_say_when_they_were_given() -> None:
    assert problems_of(InWarehouse, "SZ-1", as_of=None, quantity=0) == ("as_of", "quantity")


def test_a_factory_purchase_cannot_be_ready_before_it_is_made() -> None:
    assert problems_of(
        AtFactory, "SZ-1", as_of=AS_OF, quantity=1, ready_by=AS_OF.subtract(hours=1)
    ) == ("ready_by",)


# --------------------------------------------------------------------------- policy


def test_the_default_policy_is_fast_blind_and_ships_what_is_ready() -> None:
    policy = ShipmentPolicy()
    assert policy.service_strategy is ServiceStrategy.FASTEST
    assert policy.split is SplitMode.SHIP_AVAILABLE
    assert policy.blind_shipping
    assert policy.constraints.tracked_only
    assert policy.max_restock_wait_days == 5
    assert policy.sla == SlaThresholds(processing_days=3, shipping_days=15)


def test_constraints_compare_carriers_case_insensitively() -> None:
    constraints = ServiceConstraints(allowed_carriers=["DHL", "YunExpress"], blocked_carriers=[])
    assert constraints.allows_carrier("dhl")
    assert constraints.allows_carrier(" YUNEXPRESS ")
    assert not constraints.allows_carrier("4PX")
    assert not ServiceConstraints(blocked_carriers=["4px"]).allows_carrier("4PX")
    assert ServiceConstraints().allows_carrier("anyone")


def test_a_policy_reports_every_contradiction() -> None:
    paths = problems_of(
        ShipmentPolicy,
        service_strategy="slowest",
        best_value_price_weight=Decimal("1.5"),
        max_restock_wait_days=-1,
        inserts=["branded_invoice", "packing_slip"],
        sla=SlaThresholds(),
        split="whenever",
    )
    assert paths == (
        "service_strategy",
        "best_value_price_weight",
        "max_restock_wait_days",
        "split",
        "inserts",
    )


def test_constraints_refuse_a_carrier_both_allowed_and_blocked_and_an_empty_allow_list() -> None:
    assert problems_of(ServiceConstraints, allowed_carriers=["dhl"], blocked_carriers=["DHL"]) == (
        "blocked_carriers",
    )
    assert problems_of(ServiceConstraints, allowed_carriers=[]) == ("allowed_carriers",)
    assert problems_of(ServiceConstraints, max_price=Money("-1.00", "USD"), max_transit_days=0) == (
        "max_price",
        "max_transit_days",
    )


# --------------------------------------------------------------------------- holds


def test_holds_and_warnings_read_well() -> None:
    hold = Hold("invalid_sku", "line_items[2].sku", "merchant", "SKU 'X' is not mapped")
    assert str(hold) == "[invalid_sku] line_items[2].sku: SKU 'X' is not mapped (to act: merchant)"
    assert problems_of(Hold, "lost", "", "nobody", "") == ("reason", "actor", "message")


def test_validation_errors_list_each_problem_with_its_path_and_fix() -> None:
    with pytest.raises(ValidationError) as caught:
        make_address(name=1, city=2)
    text = str(caught.value)
    assert text.startswith("Address is invalid (2 problems):")
    assert "\n  name: must be a string, got 1" in text
    assert isinstance(caught.value, ValueError)


def test_values_are_frozen() -> None:
    order = make_order()
    with pytest.raises(AttributeError):
        order.reference = "#2"  # type: ignore[misc]
    assert hash(make_address()) == hash(make_address())
    assert LineItem("a", "b", 1, Money("1", "USD")) == LineItem("a", "b", 1, Money("1.00", "USD"))


# --------------------------------------------------------------------------- edge cases


def test_a_naive_pendulum_datetime_is_refused_like_any_naive_datetime() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        make_order(placed_at=pendulum.naive(2026, 1, 1, 12))
    with pytest.raises(ValidationError) as caught:
        AtFactory("X", as_of=pendulum.naive(2026, 1, 2), quantity=1, ready_by=AS_OF)
    assert caught.value.paths == ("as_of",)


def test_an_iso_string_without_offset_gets_a_hint_to_add_one() -> None:
    with pytest.raises(ValidationError, match="no UTC offset"):
        make_order(placed_at="2026-11-23T10:14:05")


def test_a_time_in_a_dst_gap_keeps_the_offset_it_came_with() -> None:
    gap = dt.datetime(2026, 3, 8, 2, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    stock = InWarehouse("X", as_of=gap, quantity=1)
    # (PEP 495: a gap time never compares equal across zones, so compare in UTC.)
    assert stock.as_of == gap.astimezone(dt.UTC)
    assert stock.as_of == pendulum.datetime(2026, 3, 8, 7, 30, tz="UTC")


def test_negative_zero_is_plain_zero() -> None:
    assert str(Money("-0", "USD")) == "0.00 USD"
    assert str(-Money.zero("USD")) == "0.00 USD"
    assert str(Money("-0.05", "USD") + Money("0.05", "USD")) == "0.00 USD"


def test_a_blank_country_code_counts_as_missing() -> None:
    assert Address(country_code="  ").country_code is None
    assert CustomsInfo(origin_country="").origin_country is None


def test_a_multi_line_note_is_kept_but_a_title_is_folded_to_one_line() -> None:
    order = make_order(note="Leave at the back door.\nThanks!\tM.")
    assert order.note == "Leave at the back door.\nThanks!\tM."
    assert make_line(0, title="Phone case\t(black)\n").title == "Phone case (black)"


def test_weekday_names_must_be_whole_names_or_three_letter_abbreviations() -> None:
    assert make_supplier(work_days=["MONDAY", "tue"]).work_days == {
        Weekday.MONDAY,
        Weekday.TUESDAY,
    }
    assert problems_of(make_supplier, work_days=["Monkey"]) == ("work_days",)


def test_closed_days_are_asked_about_dates_not_instants() -> None:
    supplier = make_supplier()
    with pytest.raises(ValidationError, match="supplier's timezone"):
        supplier.is_closed_on(pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"))
    assert not supplier.is_closed_on(pendulum.date(2026, 10, 1))


def test_a_restock_expected_before_the_answer_was_given_is_refused() -> None:
    assert problems_of(OutOfStock, "SZ-1", as_of=AS_OF, restock_eta=AS_OF.subtract(days=1)) == (
        "restock_eta",
    )


def test_an_empty_destination_list_is_refused_rather_than_shipping_nowhere() -> None:
    assert problems_of(make_supplier, destinations=[]) == ("destinations",)
    assert problems_of(SkuSource, "s", "x", destinations=[]) == ("destinations",)


def test_catalogue_lookups_tidy_whitespace_as_the_entries_do() -> None:
    catalog = SupplierCatalog([CatalogEntry("TEE  RED\tM", [SkuSource("s1", "x")])])
    assert catalog.get("TEE RED M") is not None
    assert catalog.get(" TEE   RED M ") is not None
    assert catalog.get(None) is None


# --------------------------------------------------------------------------- outbox effects


def test_an_effect_names_the_payload_its_kind_needs_and_what_it_does_not_use() -> None:
    from fulfillment_core.outbox import Effect

    with pytest.raises(ValidationError) as caught:
        Effect("e1-source", "source", reason="why", tracking_number="YT1")
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("quantities", "is required for a source effect"),
        ("reason", "is not used by a source effect"),
        ("tracking_number", "is not used by a source effect"),
    ]
    with pytest.raises(ValidationError, match="a purchase buys one line"):
        Effect("e2-purchase", "purchase", quantities={"a": 1, "b": 1}, reason="out of stock")
    with pytest.raises(ValidationError) as caught:
        Effect("e3-void", "void_label", tracking_number="YT\x001")
    assert caught.value.problems[0].path == "tracking_number"
    with pytest.raises(ValidationError) as caught:
        Effect("e4-holds", "report_holds", holds=["not a hold"])
    assert caught.value.problems[0].path == "holds[0]"
    for odd in ({"holds": mock.ANY}, {"quantities": mock.ANY}):  # equal to (), yet no tuple
        with pytest.raises(ValidationError) as caught:
            Effect("e4-ship", "ship", **odd)
        assert caught.value.paths == tuple(odd)
    released = Effect("e5-holds", "report_holds")  # no holds left: "released"
    assert released.holds == ()
    asked = Effect("e6-submit", "submit_request", quantities={"line-1": 2})
    assert asked.quantities == (LineQuantity("line-1", 2),)


@given(
    value=st.one_of(st.none(), st.integers(), st.text(max_size=12)),
    required=st.booleans(),
    max_length=st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
    multiline=st.booleans(),
)
def test_a_text_field_is_accepted_exactly_when_every_rule_holds(
    value: object, required: bool, max_length: int | None, multiline: bool
) -> None:
    from fulfillment_core._validation import Checker

    allowed = "\t\n\r" if multiline else ""
    expected = (
        (value is None and not required)
        if not isinstance(value, str)
        else (bool(value) or not required)
        and (max_length is None or len(value) <= max_length)
        and not any(
            (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) and ch not in allowed for ch in value
        )
    )
    check = Checker()
    accepted = check.text(
        "field", value, required=required, max_length=max_length, multiline=multiline
    )
    assert accepted is expected
    assert [p.path for p in check.problems] == ([] if expected else ["field"])
