-- Stripe customers, one row per customer as of its latest event; a deleted customer stays, flagged.
select
    {{ id_text(col('id')) }} as customer_id,
    {{ col('name') }} as name,
    {{ col('email') }} as email,
    {{ col('phone') }} as phone,
    {{ col('description') }} as description,
    lower({{ col('currency') }}) as currency,
    {{ col('delinquent') }} as is_delinquent,
    {{ col('preferred_locales') }} as preferred_locales_json,
    {{ col('metadata') }} as metadata_json,
    {{ col('livemode') }} as is_livemode,
    {{ id_text(col('event_id')) }} as last_event_id,
    {{ col('event_type') }} as last_event_type,
    {{ utc_timestamp(col('created')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('stripe', 'customers') }}
