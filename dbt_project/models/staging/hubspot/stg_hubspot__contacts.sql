-- HubSpot contacts, one row per contact; archived contacts flagged.
select
    {{ id_text(col('id')) }} as contact_id,
    {{ id_text(col('company_id')) }} as company_id,
    {{ col('email') }} as email,
    {{ col('phone') }} as phone,
    {{ col('firstname') }} as first_name,
    {{ col('lastname') }} as last_name,
    {{ col('lifecyclestage') }} as lifecycle_stage,
    {{ col('language') }} as language,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('hubspot', 'contacts') }}
