with

source as (

    select * from {{ source('weather', 'weather') }}

),

final as (

    select
        ---------- ids
        {{ surrogate_key(['store_city', 'date']) }} as daily_weather_key,

        ---------- strings
        store_city,

        ---------- numerics
        latitude,
        longitude,
        weather_code,
        temperature_2m_max as temperature_max_celsius,
        temperature_2m_min as temperature_min_celsius,
        temperature_2m_mean as temperature_mean_celsius,
        precipitation_sum as precipitation_mm,
        rain_sum as rain_mm,
        snowfall_sum as snowfall_cm,
        sunshine_duration / 3600 as sunshine_hours,
        wind_speed_10m_max as wind_speed_max_kmh,

        ---------- dates
        date as weather_date

    from source

)

select * from final
