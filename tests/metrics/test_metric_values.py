"""MetricFlow's numbers equal the star schema's: each metric against a query written by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.metrics.conftest import warehouse_rows


def as_day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def by_key(rows, digits: int | None = None) -> dict:
    """{group-by values: metric values}, with the time truncated to a date and numbers rounded."""

    def number(value):
        if value is None or digits is None:
            return value
        return round(float(value), digits)

    return {
        tuple(as_day(v) for v in row[:-1]) if len(row) > 2 else as_day(row[0]): number(row[-1])
        for row in rows
    }


def test_revenue_per_day_is_the_sum_of_order_totals_of_each_order_day(metricflow, built_warehouse):
    answer = metricflow(["revenue"], ["metric_time__day"])
    expected = warehouse_rows(
        built_warehouse,
        "select order_date, sum(order_total) from marts.fct_orders group by 1 order by 1",
    )
    assert len(answer) == len(expected) >= 55
    assert by_key(answer) == by_key(expected)
    assert all(isinstance(revenue, Decimal) for _, revenue in answer)  # dollars, exact


def test_order_count_per_day_is_the_number_of_orders_of_each_order_day(metricflow, built_warehouse):
    answer = metricflow(["order_count"], ["metric_time__day"])
    expected = warehouse_rows(
        built_warehouse, "select order_date, count(*) from marts.fct_orders group by 1 order by 1"
    )
    assert by_key(answer) == by_key(expected)
    assert (
        sum(count for _, count in answer)
        == warehouse_rows(built_warehouse, "select count(*) from raw.orders")[0][0]
    )


def test_revenue_by_customer_segment_matches_a_hand_written_join_to_the_ml_segments(
    metricflow, built_warehouse
):
    answer = metricflow(["revenue"], ["customer__segment_name"])
    expected = warehouse_rows(
        built_warehouse,
        """
        select
            case
                when customers.is_unknown_member then 'Unknown customer'
                else coalesce(segments.segment_name, 'Not segmented yet')
            end as segment_name,
            sum(orders.order_total) as revenue
        from marts.fct_orders as orders
        inner join marts.dim_customers as customers on orders.customer_key = customers.customer_key
        left join ml.customer_segments as segments on customers.customer_id = segments.customer_id
        group by 1
        order by 1
        """,
    )
    assert by_key(answer) == by_key(expected)
    named = [name for name, _ in answer if name not in {"Not segmented yet", "Unknown customer"}]
    assert len(named) >= 3  # real behavioural segments, not one catch-all


HAND_WRITTEN = {
    "average_order_value by week": (
        ["average_order_value"],
        ["metric_time__week"],
        """select date_trunc('week', order_date), sum(order_total) / count(*)
           from marts.fct_orders group by 1""",
    ),
    "items_sold by day": (
        ["items_sold"],
        ["metric_time__day"],
        """select coalesce(order_date, _business_date), count(*)
           from marts.fct_order_items group by 1""",
    ),
    "gross_margin by month": (
        ["gross_margin"],
        ["metric_time__month"],
        """select date_trunc('month', order_date), sum(subtotal - supply_cost)
           from marts.fct_orders group by 1""",
    ),
    "customers_with_orders by week": (
        ["customers_with_orders"],
        ["metric_time__week"],
        """select date_trunc('week', order_date), count(distinct customer_key)
           from marts.fct_orders group by 1""",
    ),
    "new_customers by month": (
        ["new_customers"],
        ["metric_time__month"],
        """select date_trunc('month', first_day), count(*)
           from (select customer_id, min(order_date) as first_day
                 from marts.fct_orders group by customer_id)
           group by 1""",
    ),
    "revenue_per_store_day by store": (
        ["revenue_per_store_day"],
        ["store__store_name"],
        """select stores.store_name, sum(sales.revenue) / count(*)
           from marts.fct_daily_store_sales as sales
           inner join marts.dim_stores as stores on sales.store_key = stores.store_key
           group by 1""",
    ),
    "revenue_per_store_day by weekend": (
        ["revenue_per_store_day"],
        ["store_day__is_weekend"],
        """select is_weekend, sum(revenue) / count(*)
           from marts.fct_daily_store_sales group by 1""",
    ),
    "revenue_month_to_date by day": (
        ["revenue_month_to_date"],
        ["metric_time__day"],
        """select days.date_day, sum(orders.order_total)
           from marts.metricflow_time_spine as days
           inner join marts.fct_orders as orders
               on orders.order_date between date_trunc('month', days.date_day) and days.date_day
           group by 1""",
    ),
    "customers_to_date by month": (
        ["customers_to_date"],
        ["metric_time__month"],
        """select date_trunc('month', days.date_day), count(distinct orders.customer_id)
           from marts.metricflow_time_spine as days
           inner join marts.fct_orders as orders on orders.order_date <= days.date_day
           where days.date_day = last_day(days.date_day)
              or days.date_day = (select max(date_day) from marts.metricflow_time_spine)
           group by 1""",
    ),
}


@pytest.mark.parametrize("case", sorted(HAND_WRITTEN))
def test_metric_equals_its_hand_written_query(case, metricflow, built_warehouse):
    metrics, group_by, sql = HAND_WRITTEN[case]
    answer = metricflow(metrics, group_by)
    expected = warehouse_rows(built_warehouse, sql)
    assert answer
    assert by_key(answer, digits=6) == by_key(expected, digits=6)


def test_revenue_growth_week_over_week_compares_each_week_with_the_one_before(
    metricflow, built_warehouse
):
    answer = by_key(metricflow(["revenue_growth_week_over_week"], ["metric_time__week"]), 6)
    weekly = dict(
        warehouse_rows(
            built_warehouse,
            "select date_trunc('week', order_date), sum(order_total) from marts.fct_orders "
            "group by 1",
        )
    )
    expected = {}
    for week, revenue in weekly.items():
        before = weekly.get(week - dt.timedelta(days=7))
        expected[as_day(week)] = (
            None if before is None else round(float((revenue - before) / before), 6)
        )
    first_week = min(expected)
    assert answer[first_week] is None  # nothing to compare the first week with
    assert {week: answer[week] for week in expected} == expected
