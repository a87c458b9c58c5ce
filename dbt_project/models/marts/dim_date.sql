with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

stores as (

    select * from {{ ref('stg_shop__stores') }}

),

tweets as (

    select * from {{ ref('stg_shop__tweets') }}

),

data_days as (

    select ordered_date as data_date from orders

    union all

    select opened_date as data_date from stores

    union all

    select cast(tweeted_at as date) as data_date from tweets

),

-- Whole years: from 1 January of the first year with data to 31 December of the year after the last, so
-- forecasts for the coming months find their days too.
calendar_bounds as (

    select
        make_date(cast(year(min(data_date)) as integer), 1, 1) as first_date,
        make_date(cast(year(max(data_date)) as integer) + 1, 12, 31) as last_date

    from data_days

),

days as (

    select
        {{ each_day_between('first_date', 'last_date') }} as date_day

    from calendar_bounds

),

final as (

    select
        ---------- ids
        date_day,

        ---------- strings
        {{ month_name('date_day') }} as month_name,
        {{ day_name('date_day') }} as day_of_week_name,
        case
            when month(date_day) in (12, 1, 2) then 'winter'
            when month(date_day) in (3, 4, 5) then 'spring'
            when month(date_day) in (6, 7, 8) then 'summer'
            else 'autumn'
        end as season_name,

        ---------- numerics
        cast(year(date_day) as integer) as year_number,
        cast(quarter(date_day) as integer) as quarter_of_year,
        cast(month(date_day) as integer) as month_of_year,
        cast(weekofyear(date_day) as integer) as iso_week_of_year,
        cast(dayofmonth(date_day) as integer) as day_of_month,
        cast(dayofyear(date_day) as integer) as day_of_year,
        cast({{ day_of_week_number('date_day') }} as integer) as day_of_week,

        ---------- booleans
        {{ day_of_week_number('date_day') }} in (0, 6) as is_weekend,

        ---------- dates
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date

    from days

)

select * from final
