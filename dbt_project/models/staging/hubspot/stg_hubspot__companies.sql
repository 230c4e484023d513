-- HubSpot companies, one row per company; archived companies flagged.
select
    {{ id_text(col('id')) }} as company_id,
    {{ col('name') }} as name,
    {{ col('domain') }} as domain,
    {{ col('country') }} as country,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('hubspot', 'companies') }}
