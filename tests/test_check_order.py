"""The data check beyond the address: contact, payment, risk, SKUs, customs, destinations."""

from __future__ import annotations

import attrs
import pytest

from fulfillment_core import (
    Actor,
    CatalogEntry,
    Contact,
    CustomsInfo,
    HoldReason,
    PaymentStatus,
    RiskLevel,
    SkuSource,
    ValidationError,
    WarningCode,
    check_order,
)

from factories import (
    PHONE_CASE_CUSTOMS,
    make_address,
    make_catalog,
    make_line,
    make_order,
    make_supplier,
)

BR_ADDRESS = make_address(
    name="Ana Souza",
    address1="Avenida Paulista, 1578",
    city="São Paulo",
    province="SP",
    postal_code="01310-200",
    country_code="BR",
    phone=None,
)
KR_ADDRESS = make_address(
    name="김민준",
    address1="세종대로 110",
    city="중구",
    province="Seoul",
    postal_code="04524",
    country_code="KR",
    phone=None,
)


def test_a_complete_paid_order_for_a_mapped_sku_can_proceed() -> None:
    result = check_order(make_order(), make_catalog(), make_supplier())
    assert result.can_proceed
    assert result.holds == ()
    assert result.warnings == ()


# --------------------------------------------------------------------------- contact


def test_an_order_with_no_way_to_reach_the_customer_is_held_for_contact_info() -> None:
    order = make_order(contact=Contact(), shipping_address=make_address(phone=None))
    (hold,) = check_order(order, make_catalog()).holds
    assert hold.reason is HoldReason.INVALID_CONTACT_INFO
    assert hold.path == "contact"
    assert hold.actor is Actor.CUSTOMER


def test_a_phone_on_the_address_is_enough_to_reach_the_customer() -> None:
    order = make_order(contact=Contact(), shipping_address=make_address(phone="+49 30 1234567"))
    assert check_order(order, make_catalog()).can_proceed


@pytest.mark.parametrize(
    "email", ["maria@", "maria.example.com", "maria@@example.com", "maria@example", "a b@c.de"]
)
def test_malformed_emails_are_held(email: str) -> None:
    order = make_order(contact=Contact(email=email))
    assert check_order(order, make_catalog()).paths == ("contact.email",)


@pytest.mark.parametrize(
    "email", ["o'brien@example.ie", "jürgen@müller.de", "first.last+shop@sub.example.co.uk"]
)
def test_real_world_emails_pass(email: str) -> None:
    assert check_order(make_order(contact=Contact(email=email)), make_catalog()).can_proceed


@pytest.mark.parametrize(
    "phone", ["+1 (650) 253-0000", "030 1234567", "+86 755 8888 6666", "+44 20 7946 0958 ext. 12"]
)
def test_real_world_phone_numbers_pass(phone: str) -> None:
    order = make_order(contact=Contact(phone=phone))
    assert check_order(order, make_catalog()).can_proceed


@pytest.mark.parametrize("phone", ["12345", "call me", "+1 650 253 0000 0000 0000"])
def test_malformed_phone_numbers_are_held_where_they_were_typed(phone: str) -> None:
    order = make_order(shipping_address=make_address(phone=phone))
    assert check_order(order, make_catalog()).paths == ("shipping_address.phone",)


# --------------------------------------------------------------------------- payment and risk


@pytest.mark.parametrize(
    "status", [PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.EXPIRED]
)
def test_unpaid_orders_wait_for_payment_from_the_customer(status: PaymentStatus) -> None:
    (hold,) = check_order(make_order(payment_status=status), make_catalog()).holds
    assert (hold.reason, hold.actor, hold.path) == (
        HoldReason.AWAITING_PAYMENT,
        Actor.CUSTOMER,
        "payment_status",
    )


@pytest.mark.parametrize(
    "status", [PaymentStatus.PAID, PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_REFUNDED]
)
def test_paid_or_authorized_orders_proceed(status: PaymentStatus) -> None:
    assert check_order(make_order(payment_status=status), make_catalog()).can_proceed


@pytest.mark.parametrize("status", [PaymentStatus.REFUNDED, PaymentStatus.VOIDED])
def test_refunded_or_voided_orders_need_the_merchants_word(status: PaymentStatus) -> None:
    (hold,) = check_order(make_order(payment_status=status), make_catalog()).holds
    assert (hold.reason, hold.actor) == (HoldReason.OTHER, Actor.MERCHANT)


def test_high_fraud_risk_is_held_for_the_merchants_review() -> None:
    (hold,) = check_order(make_order(risk_level=RiskLevel.HIGH), make_catalog()).holds
    assert (hold.reason, hold.actor) == (HoldReason.HIGH_RISK_OF_FRAUD, Actor.MERCHANT)


def test_medium_fraud_risk_is_only_a_warning() -> None:
    result = check_order(make_order(risk_level="medium"), make_catalog())
    assert result.can_proceed
    assert [w.code for w in result.warnings] == [WarningCode.ELEVATED_FRAUD_RISK]


# --------------------------------------------------------------------------- SKUs


def test_a_line_without_a_sku_is_held_for_the_merchant_to_map() -> None:
    order = make_order(line_items=[make_line(0), make_line(1, sku="  ", title="Mystery gift")])
    (hold,) = check_order(order, make_catalog()).holds
    assert (hold.reason, hold.path, hold.actor) == (
        HoldReason.INVALID_SKU,
        "line_items[1].sku",
        Actor.MERCHANT,
    )
    assert "Mystery gift" in hold.message


def test_an_unmapped_sku_is_held_at_its_line() -> None:
    order = make_order(line_items=[make_line(0), make_line(1), make_line(2, sku="MUG-CAT-350")])
    (hold,) = check_order(order, make_catalog()).holds
    assert hold.path == "line_items[2].sku"
    assert "MUG-CAT-350" in hold.message


def test_sku_matching_is_exact_apart_from_surrounding_spaces() -> None:
    catalog = make_catalog()
    ok = make_order(line_items=[make_line(0, sku=" CASE-IP15-BLK ")])
    wrong_case = make_order(line_items=[make_line(0, sku="case-ip15-blk")])
    assert check_order(ok, catalog).can_proceed
    assert check_order(wrong_case, catalog).reasons == {HoldReason.INVALID_SKU}


def test_a_sku_the_routed_supplier_does_not_make_is_held() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-yw-02", "YW-MUG-350")]))
    order = make_order(line_items=[make_line(0, sku="MUG-CAT-350")])
    result = check_order(order, catalog, make_supplier(country="US"))
    assert result.paths == ("line_items[0].sku",)
    assert "Shenzhen Gadget Works" in result.holds[0].message


def test_lines_that_need_no_shipping_are_not_checked() -> None:
    gift_card = make_line(1, sku=None, title="Gift card", requires_shipping=False)
    order = make_order(line_items=[make_line(0), gift_card])
    assert check_order(order, make_catalog()).can_proceed


def test_a_source_limited_to_other_destinations_makes_the_line_undeliverable() -> None:
    catalog = make_catalog(
        CatalogEntry(
            "POWERBANK-20K",
            [SkuSource("sup-sz-01", "SZ-PB-20K", destinations=["US", "CA"])],
            customs=PHONE_CASE_CUSTOMS,
        )
    )
    to_australia = make_order(
        shipping_address=make_address(province="NSW", postal_code="2000", country_code="AU"),
        line_items=[make_line(0, sku="POWERBANK-20K")],
    )
    routed = check_order(to_australia, catalog, make_supplier())
    unrouted = check_order(to_australia, catalog)
    for result in (routed, unrouted):
        (hold,) = result.holds
        assert (hold.reason, hold.path) == (
            HoldReason.UNDELIVERABLE_DESTINATION,
            "line_items[0].sku",
        )


# --------------------------------------------------------------------------- destination


def test_a_supplier_that_does_not_serve_the_country_makes_it_undeliverable() -> None:
    supplier = make_supplier(destinations=["DE", "FR", "GB"])
    (hold,) = check_order(make_order(), make_catalog(), supplier).holds
    assert (hold.reason, hold.path, hold.actor) == (
        HoldReason.UNDELIVERABLE_DESTINATION,
        "shipping_address.country_code",
        Actor.MERCHANT,
    )


# --------------------------------------------------------------------------- customs


def test_cross_border_lines_need_hs_code_origin_and_description() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-sz-01", "SZ-MUG-350")]))
    order = make_order(line_items=[make_line(0), make_line(1, sku="MUG-CAT-350")])
    result = check_order(order, catalog, make_supplier())
    assert result.paths == (
        "line_items[1].customs.hs_code",
        "line_items[1].customs.origin_country",
        "line_items[1].customs.description",
    )
    assert result.reasons == {HoldReason.MISSING_CUSTOMS_INFO}
    assert {hold.actor for hold in result.holds} == {Actor.SUPPLIER}


def test_customs_data_on_the_line_fills_gaps_in_the_catalogue() -> None:
    catalog = make_catalog(
        CatalogEntry(
            "MUG-CAT-350",
            [SkuSource("sup-sz-01", "SZ-MUG-350")],
            customs=CustomsInfo(origin_country="CN", description="Ceramic mug"),
        )
    )
    line = make_line(0, sku="MUG-CAT-350", customs=CustomsInfo(hs_code="6912.00.48"))
    assert check_order(make_order(line_items=[line]), catalog, make_supplier()).can_proceed


def test_a_malformed_hs_code_is_held() -> None:
    line = make_line(0, customs=CustomsInfo(hs_code="69A2"))
    result = check_order(make_order(line_items=[line]), make_catalog(), make_supplier())
    assert result.paths == ("line_items[0].customs.hs_code",)


def test_domestic_shipments_need_no_customs_data() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-us-03", "US-MUG")]))
    order = make_order(line_items=[make_line(0, sku="MUG-CAT-350")])
    supplier = make_supplier(id="sup-us-03", country="US", timezone="America/Chicago")
    assert check_order(order, catalog, supplier).can_proceed


def test_shipments_inside_the_eu_customs_union_need_no_customs_data() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-pl-04", "PL-MUG")]))
    order = make_order(
        currency="EUR",
        shipping_address=make_address(province=None, postal_code="10117", country_code="DE"),
        line_items=[make_line(0, sku="MUG-CAT-350", currency="EUR")],
    )
    supplier = make_supplier(id="sup-pl-04", country="PL", timezone="Europe/Warsaw")
    assert check_order(order, catalog, supplier).can_proceed


def test_without_a_supplier_the_origin_is_unknown_so_customs_is_not_checked() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-sz-01", "SZ-MUG-350")]))
    order = make_order(line_items=[make_line(0, sku="MUG-CAT-350")])
    assert check_order(order, catalog).can_proceed


@pytest.mark.parametrize(
    ("tax_id", "ok"),
    [
        ("529.982.247-25", True),  # a CPF with valid check digits
        ("52998224725", True),
        ("11.222.333/0001-81", True),  # a CNPJ
        ("12.ABC.345/01DE-35", True),  # an alphanumeric CNPJ (issued from July 2026)
        ("529.982.247-26", False),  # wrong check digit
        ("111.111.111-11", False),  # repeated digits
        ("1234", False),
    ],
)
def test_brazil_needs_a_valid_cpf_or_cnpj_for_cross_border_parcels(tax_id: str, ok: bool) -> None:
    address = attrs.evolve(BR_ADDRESS, tax_id=tax_id)
    order = make_order(shipping_address=address)
    result = check_order(order, make_catalog(), make_supplier())
    assert result.can_proceed is ok
    if not ok:
        assert result.paths == ("shipping_address.tax_id",)


def test_a_missing_brazilian_tax_id_asks_the_customer() -> None:
    result = check_order(make_order(shipping_address=BR_ADDRESS), make_catalog(), make_supplier())
    (hold,) = result.holds
    assert (hold.reason, hold.path, hold.actor) == (
        HoldReason.MISSING_CUSTOMS_INFO,
        "shipping_address.tax_id",
        Actor.CUSTOMER,
    )
    assert "CPF" in hold.message


def test_korea_needs_the_personal_customs_clearance_code() -> None:
    missing = check_order(make_order(shipping_address=KR_ADDRESS), make_catalog(), make_supplier())
    given = attrs.evolve(KR_ADDRESS, tax_id="p123456789012")
    assert missing.paths == ("shipping_address.tax_id",)
    assert check_order(
        make_order(shipping_address=given), make_catalog(), make_supplier()
    ).can_proceed


# --------------------------------------------------------------------------- everything at once


def test_every_problem_of_an_order_is_reported_at_once_in_a_stable_order() -> None:
    order = make_order(
        contact=Contact(email="not-an-email"),
        shipping_address=make_address(postal_code=None, province="Narnia", phone=None),
        payment_status="pending",
        risk_level="high",
        line_items=[make_line(0, sku=None), make_line(1, sku="NOPE")],
    )
    result = check_order(order, make_catalog(), make_supplier())
    assert result.paths == (
        "shipping_address.postal_code",
        "shipping_address.province",
        "contact.email",
        "payment_status",
        "risk_level",
        "line_items[0].sku",
        "line_items[1].sku",
    )
    assert result == check_order(order, make_catalog(), make_supplier())
    assert {h.path for h in result.for_actor(Actor.MERCHANT)} == {
        "risk_level",
        "line_items[0].sku",
        "line_items[1].sku",
    }


def test_hold_reasons_map_to_shopify_hold_and_rejection_reasons() -> None:
    assert HoldReason.INCORRECT_ADDRESS.shopify_hold_reason == "INCORRECT_ADDRESS"
    assert HoldReason.INVALID_SKU.shopify_hold_reason == "OTHER"
    assert HoldReason.OUT_OF_STOCK.shopify_hold_reason == "INVENTORY_OUT_OF_STOCK"
    assert HoldReason.INVALID_SKU.shopify_rejection_reason == "INVALID_SKU"
    assert HoldReason.INVALID_CONTACT_INFO.shopify_rejection_reason == (
        "INVALID_CONTACT_INFORMATION"
    )
    assert all(reason.shopify_rejection_reason for reason in HoldReason)


# --------------------------------------------------------------------------- review fixes


def test_puerto_rico_is_inside_us_customs_so_a_us_supplier_needs_no_declaration() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-us-03", "US-MUG")]))
    san_juan = make_address(province=None, postal_code="00901", country_code="PR")
    order = make_order(shipping_address=san_juan, line_items=[make_line(0, sku="MUG-CAT-350")])
    supplier = make_supplier(id="sup-us-03", country="US", timezone="America/New_York")
    assert check_order(order, catalog, supplier).can_proceed


def test_full_width_digits_typed_on_japanese_keyboards_are_understood() -> None:
    tokyo = make_address(
        province="Tokyo",
        postal_code="１００－０００１",
        country_code="JP",
        phone="０３-１２３４-５６７８",
    )
    assert check_order(make_order(shipping_address=tokyo), make_catalog()).can_proceed


def test_digits_a_label_cannot_print_are_not_a_postal_code() -> None:
    order = make_order(shipping_address=make_address(postal_code="٩٤٠٤٣"))
    assert check_order(order, make_catalog()).paths == ("shipping_address.postal_code",)


def test_an_odd_optional_postal_code_is_a_warning_not_a_hold() -> None:
    dublin = make_address(province="Dublin", postal_code="Dublin 2", country_code="IE", phone=None)
    result = check_order(make_order(shipping_address=dublin), make_catalog())
    assert result.can_proceed
    assert [w.code for w in result.warnings] == [WarningCode.POSTAL_CODE_FORMAT]


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("BP 45", True),
        ("CP 12", True),
        ("Postboks 123", True),
        ("Private Bag 92019", True),
        ("PMB 204, 8 The Green", True),
        ("Apollo Box 2", False),
        ("12 Box Street", False),
    ],
)
def test_more_po_box_forms_and_their_look_alikes(line: str, flagged: bool) -> None:
    order = make_order(shipping_address=make_address(address1=line))
    codes = [w.code for w in check_order(order, make_catalog()).warnings]
    assert (WarningCode.PO_BOX in codes) is flagged


def test_a_common_country_mixup_gets_a_pointed_hint() -> None:
    order = make_order(shipping_address=make_address(country_code="UK"))
    (hold,) = check_order(order, make_catalog()).holds
    assert "'GB'" in hold.message


def test_a_suppliers_share_of_a_split_order_is_checked_on_its_own_lines() -> None:
    catalog = make_catalog(CatalogEntry("MUG-CAT-350", [SkuSource("sup-yw-02", "YW-MUG")]))
    order = make_order(line_items=[make_line(0), make_line(1, sku="MUG-CAT-350")])
    shenzhen = make_supplier()
    assert check_order(order, catalog, shenzhen).paths == ("line_items[1].sku",)
    assert check_order(order, catalog, shenzhen, line_ids={"line-1"}).can_proceed


@pytest.mark.parametrize("line_ids", ["line-1", {"line-9"}, set(), {1}])
def test_line_ids_must_name_lines_of_the_order(line_ids: object) -> None:
    with pytest.raises(ValidationError) as caught:
        check_order(make_order(), make_catalog(), line_ids=line_ids)  # type: ignore[arg-type]
    assert caught.value.paths == ("line_ids",)
