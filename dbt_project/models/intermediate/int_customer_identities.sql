-- Every record that stands for a customer in one system, with the person it belongs to.
-- The matching rule (documented on dim_customer): the normalised email decides; a record without an
-- email joins the person whose records carry the same E.164 phone and an email; a record with
-- neither stays a person of its own. A message author whose record has not been exported yet is a
-- person of its own (or, from Intercom, known by
-- the email on its messages) until it is; fct_customer_feedback re-keys its messages then. The sources
-- without customer records (calls, SMS and WhatsApp, bookings, payments) are known only this way:
-- by the email or phone on their messages, so a caller joins the person with that phone's email.
with records as (
    select 'zendesk' as source, user_id as source_customer_id, name, email, phone, created_at, is_deleted
    from {{ ref('stg_zendesk__users') }}
    where role = 'end-user'
    union all
    select 'salesforce', contact_id, name, email, phone, created_at, is_deleted
    from {{ ref('stg_salesforce__contacts') }}
    union all
    select 'hubspot', contact_id,
           nullif(trim({{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }}), ''),
           email, phone, created_at, is_deleted
    from {{ ref('stg_hubspot__contacts') }}
    union all
    select 'intercom', contact_id, name, email, phone, created_at, is_deleted
    from {{ ref('stg_intercom__contacts') }}
    where role in ('user', 'lead')
),

authors_without_record as (
    select a.source, a.source_customer_id, min(a.author_email) as email, min(a.author_phone) as phone,
           min(a.created_at) as created_at
    from {{ ref('int_message_authors') }} a
    left join records r on r.source = a.source and r.source_customer_id = a.source_customer_id
    where r.source_customer_id is null
    group by a.source, a.source_customer_id
),

identities as (
    select source, source_customer_id, name, email, phone, created_at, is_deleted, true as has_record
    from records
    union all
    select source, source_customer_id, cast(null as {{ dbt.type_string() }}), email, phone, created_at, false, false
    from authors_without_record
),

normalized as (
    select
        source,
        source_customer_id,
        name,
        {{ normalized_email('email') }} as email_normalized,
        {{ e164_phone('phone') }} as phone_e164,
        created_at,
        is_deleted,
        has_record
    from identities
),

-- a phone held by records with an email belongs to the (alphabetically first) such email
email_of_phone as (
    select phone_e164, min(email_normalized) as email_normalized
    from normalized
    where phone_e164 is not null and email_normalized is not null
    group by phone_e164
),

matched as (
    select
        n.*,
        case
            when n.email_normalized is not null then 'email'
            when p.email_normalized is not null then 'phone'
            when n.phone_e164 is not null then 'phone'
            else 'source_id'
        end as matched_on,
        case
            when n.email_normalized is not null then {{ dbt.concat(["'email:'", "n.email_normalized"]) }}
            when p.email_normalized is not null then {{ dbt.concat(["'email:'", "p.email_normalized"]) }}
            when n.phone_e164 is not null then {{ dbt.concat(["'phone:'", "n.phone_e164"]) }}
            else {{ dbt.concat(["'id:'", "n.source", "':'", "n.source_customer_id"]) }}
        end as person
    from normalized n
    left join email_of_phone p on p.phone_e164 = n.phone_e164
)

select
    {{ dbt.hash('person') }} as customer_key,
    {{ dbt.concat(["source", "':'", "source_customer_id"]) }} as identity_key,
    source,
    source_customer_id,
    name,
    email_normalized,
    phone_e164,
    matched_on,
    created_at,
    is_deleted,
    has_record
from matched
