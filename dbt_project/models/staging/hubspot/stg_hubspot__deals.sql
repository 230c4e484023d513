-- HubSpot deals, one row per deal; archived deals flagged.
select
    {{ id_text(col('id')) }} as deal_id,
    {{ col('dealname') }} as name,
    {{ col('dealstage') }} as stage,
    cast({{ col('amount') }} as {{ dbt.type_float() }}) as amount,
    {{ col('currency') }} as currency,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('hubspot', 'deals') }}
