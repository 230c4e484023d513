-- Who wrote each customer message, as the customer record of the message's own system:
-- a Zendesk comment's author, the contact of a Salesforce case, an Intercom part's contact.
-- HubSpot tickets are absent: the export carries no contact association for them. Intercom also
-- says the author's email, which identifies a person whose contact record is not exported yet.
-- Sources with no customer table (calls, SMS and WhatsApp, bookings, payments) name the author on
-- the message itself (author_id, author_email, author_phone): the author is known by the vendor's id for
-- them, else that email, else that phone.
with customer_messages as (
    select source, message_id, created_at, author_id, author_email, author_phone
    from {{ ref('stg_feedback__customer_feedback') }}
    where author_role = 'customer'
),

authors as (
    select 'zendesk' as source, comment_id as message_id, author_user_id as source_customer_id,
           cast(null as {{ dbt.type_string() }}) as author_email
    from {{ ref('stg_zendesk__ticket_comments') }}
    union all
    select 'salesforce', cc.case_comment_id, c.contact_id, cast(null as {{ dbt.type_string() }})
    from {{ ref('stg_salesforce__case_comments') }} cc
    inner join {{ ref('stg_salesforce__cases') }} c on c.case_id = cc.case_id
    union all
    select 'intercom', part_id, author_id, author_email
    from {{ ref('stg_intercom__conversation_parts') }}
    where author_type in ('user', 'lead', 'contact')
)

select m.source, m.message_id, a.source_customer_id, a.author_email,
       cast(null as {{ dbt.type_string() }}) as author_phone, m.created_at
from customer_messages m
inner join authors a on a.source = m.source and a.message_id = m.message_id
where a.source_customer_id is not null
union all
select source, message_id, coalesce(author_id, author_email, author_phone), author_email, author_phone, created_at
from customer_messages
where source not in ('zendesk', 'salesforce', 'hubspot', 'intercom')
  and coalesce(author_id, author_email, author_phone) is not null
