//! The tables, written by hand for both engines: only types that SQLite and PostgreSQL share
//! (Text, Integer, Bool, Date, Timestamp, Binary). Only `store.rs` files use this module.

diesel::table! {
    facilities (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        area -> Nullable<Text>,
        in_city -> Bool,
        created_at -> Timestamp,
        municipality_code -> Nullable<Text>,
    }
}

diesel::table! {
    contact_windows (id) {
        id -> Text,
        facility_id -> Text,
        label -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        fax -> Nullable<Text>,
        hours_note -> Nullable<Text>,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        facility_id -> Text,
        name -> Text,
        email -> Text,
        role -> Text,
        created_at -> Timestamp,
        password_hash -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        secret_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    drafts (id) {
        id -> Text,
        facility_id -> Text,
        user_id -> Text,
        kind -> Text,
        schema_version -> Integer,
        episode_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        recipient_facility_id -> Nullable<Text>,
        amends_document_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    care_assignments (id) {
        id -> Text,
        episode_id -> Text,
        care_office_id -> Text,
        care_manager_id -> Nullable<Text>,
        assigned_on -> Date,
        assigned_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    client_care_levels (id) {
        id -> Text,
        client_id -> Text,
        care_level -> Text,
        valid_from -> Date,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    client_corrections (id) {
        id -> Text,
        client_id -> Text,
        previous -> Text,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    discharge_corrections (id) {
        id -> Text,
        episode_id -> Text,
        previous_discharged_on -> Date,
        previous_destination -> Nullable<Text>,
        discharged_on -> Nullable<Date>,
        destination -> Nullable<Text>,
        reason -> Text,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        name_kana -> Text,
        birth_date -> Date,
        sex -> Text,
        insurance_number -> Nullable<Text>,
        care_level -> Nullable<Text>,
        care_office_id -> Nullable<Text>,
        care_manager_id -> Nullable<Text>,
        created_at -> Timestamp,
        municipality_code -> Nullable<Text>,
    }
}

diesel::table! {
    episodes (id) {
        id -> Text,
        client_id -> Nullable<Text>,
        client_ref -> Nullable<Text>,
        hospital_id -> Text,
        care_office_id -> Nullable<Text>,
        care_manager_id -> Nullable<Text>,
        care_level -> Nullable<Text>,
        admitted_on -> Date,
        admitted_day -> Integer,
        admitted_at -> Nullable<Timestamp>,
        planned_discharge_on -> Nullable<Date>,
        discharged_on -> Nullable<Date>,
        discharged_day -> Nullable<Integer>,
        destination -> Nullable<Text>,
        excluded -> Bool,
        planned_respite -> Bool,
        first_admission_info_day -> Nullable<Integer>,
        first_admission_info_method -> Nullable<Integer>,
        undated_admission_info -> Bool,
        undated_admission_info_method -> Nullable<Integer>,
        first_discharge_contact_day -> Nullable<Integer>,
        first_discharge_contact_method -> Nullable<Integer>,
        undated_discharge_contact -> Bool,
        care_assigned_day -> Nullable<Integer>,
        external_ref -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        municipality_code -> Nullable<Text>,
    }
}

diesel::table! {
    episode_parties (episode_id, facility_id) {
        episode_id -> Text,
        facility_id -> Text,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        kind -> Text,
        episode_id -> Text,
        sender_facility_id -> Text,
        sender_user_id -> Text,
        recipient_facility_id -> Text,
        current_revision -> Integer,
        sent_at -> Timestamp,
        read_revision -> Nullable<Integer>,
        first_read_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        acknowledged_revision -> Nullable<Integer>,
        delivered_revision -> Nullable<Integer>,
        first_delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    document_revisions (document_id, revision) {
        document_id -> Text,
        revision -> Integer,
        schema_version -> Integer,
        payload -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        episode_id -> Text,
        direction -> Text,
        kind -> Text,
        method -> Text,
        contacted_on -> Nullable<Date>,
        contacted_day -> Nullable<Integer>,
        contacted_at -> Nullable<Timestamp>,
        document_id -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        import_seq -> Nullable<Integer>,
        created_at -> Timestamp,
        note -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        kind -> Text,
        subject_id -> Text,
        occasion -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        message_id -> Text,
        topic -> Text,
        document_id -> Nullable<Text>,
        document_revision -> Nullable<Integer>,
        episode_id -> Nullable<Text>,
        reminder_id -> Nullable<Text>,
        facility_id -> Text,
        user_id -> Nullable<Text>,
        address -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        fingerprint -> Text,
        status -> Integer,
        location -> Nullable<Text>,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        user_id -> Nullable<Text>,
        facility_id -> Nullable<Text>,
        action -> Text,
        method -> Text,
        route -> Text,
        target_id -> Nullable<Text>,
        status -> Integer,
        remote_addr -> Nullable<Text>,
        forwarded_for -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        document_id -> Nullable<Text>,
        draft_id -> Nullable<Text>,
        file_name -> Text,
        content_type -> Text,
        size -> Integer,
        sha256 -> Text,
        bytes -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(contact_windows -> facilities (facility_id));
diesel::joinable!(users -> facilities (facility_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(episodes -> clients (client_id));
diesel::joinable!(client_corrections -> clients (client_id));
diesel::joinable!(client_care_levels -> clients (client_id));
diesel::joinable!(episode_parties -> episodes (episode_id));
diesel::joinable!(document_revisions -> documents (document_id));
diesel::joinable!(contacts -> episodes (episode_id));
diesel::joinable!(documents -> episodes (episode_id));

diesel::allow_tables_to_appear_in_same_query!(
    facilities,
    contact_windows,
    users,
    api_tokens,
    clients,
    episodes,
    episode_parties,
    documents,
    document_revisions,
    contacts,
    reminders,
    outbox,
    idempotency_keys,
    audit_log,
    web_sessions,
    drafts,
    care_assignments,
    discharge_corrections,
    client_corrections,
    client_care_levels,
    attachments,
);

diesel::table! {
    business_calendars (facility_id) {
        facility_id -> Text,
        weekdays -> Text,
        closing_time -> Text,
        national_holidays -> Text,
        closed_days -> Text,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    national_holidays (holiday_on) {
        holiday_on -> Date,
        name -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    municipality_rules (municipality_code, effective_from) {
        municipality_code -> Text,
        effective_from -> Date,
        rules -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(municipality_rules -> municipalities (municipality_code));
diesel::allow_tables_to_appear_in_same_query!(municipalities, municipality_rules);

diesel::table! {
    sign_in_failures (id) {
        id -> Text,
        key -> Text,
        failed_at -> Timestamp,
    }
}
