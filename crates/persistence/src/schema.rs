//! The one schema both backends share. Hand-written: only types both support
//! (BigInt ids, Text, Bool, Date, Timestamp in UTC, Double). JSON and UUIDs
//! are stored as Text.

diesel::table! {
    /// Small key/value facts about this installation (e.g. that the demo
    /// data was loaded).
    app_meta (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Units of any depth: provinces, districts, communes, villages and
    /// agencies, with validity dates (the tree changes, history stays).
    org_units (id) {
        id -> BigInt,
        code -> Nullable<Text>,
        name -> Text,
        short_name -> Text,
        kind -> Text,
        unit_type -> Text,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        alt_names -> Text,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// (ancestor, descendant) pairs, including each unit with itself: subtree
    /// queries are one indexed join on both backends.
    org_unit_closure (ancestor_id, descendant_id) {
        ancestor_id -> BigInt,
        descendant_id -> BigInt,
        depth -> Integer,
    }
}

diesel::table! {
    org_unit_successors (id) {
        id -> BigInt,
        predecessor_id -> BigInt,
        successor_id -> BigInt,
        effective_date -> Date,
        weight -> Nullable<BigInt>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        full_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        primary_unit_id -> BigInt,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_key -> Text,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        key_lookup -> Text,
        key_hash -> Text,
        active -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    grants (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        service_account_id -> Nullable<BigInt>,
        role -> Text,
        unit_id -> BigInt,
        granted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        lookup -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        username -> Text,
        client_addr -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    board_tokens (id) {
        id -> BigInt,
        name -> Text,
        unit_id -> BigInt,
        lookup -> Text,
        token_hash -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(users -> org_units (primary_unit_id));
diesel::joinable!(grants -> org_units (unit_id));
diesel::joinable!(board_tokens -> org_units (unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    directives (id) {
        id -> BigInt,
        issuing_unit_id -> BigInt,
        office_unit_id -> BigInt,
        issuer -> Text,
        issuer_name -> Text,
        kind -> Text,
        number -> Text,
        issued_on -> Date,
        summary -> Text,
        search_key -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        directive_id -> BigInt,
        parent_task_id -> Nullable<BigInt>,
        content -> Text,
        search_key -> Text,
        issuing_unit_id -> BigInt,
        office_unit_id -> BigInt,
        lead_unit_id -> BigInt,
        specialist_id -> Nullable<BigInt>,
        original_deadline -> Nullable<Date>,
        deadline -> Nullable<Date>,
        reporting_cycle -> Nullable<Text>,
        priority -> Text,
        tags -> Text,
        state -> Text,
        progress_percent -> Integer,
        has_difficulty -> Bool,
        completed_on -> Nullable<Date>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    task_coordinators (task_id, unit_id) {
        task_id -> BigInt,
        unit_id -> BigInt,
        task_state -> Text,
        task_completed_on -> Nullable<Date>,
    }
}

diesel::table! {
    task_events (id) {
        id -> BigInt,
        task_id -> BigInt,
        kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        at -> Timestamp,
        note -> Text,
        percent -> Nullable<Integer>,
        requested_deadline -> Nullable<Date>,
        approved -> Nullable<Bool>,
        from_state -> Text,
        to_state -> Text,
        late -> Bool,
    }
}

diesel::joinable!(tasks -> directives (directive_id));
diesel::joinable!(task_events -> tasks (task_id));

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        task_id -> Nullable<BigInt>,
        title -> Text,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        email_to -> Nullable<Text>,
        emailed_at -> Nullable<Timestamp>,
        email_attempts -> Integer,
        ntm_evaluation_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        sha256 -> Text,
        size_bytes -> BigInt,
        content_type -> Text,
        file_name -> Text,
        uploaded_by -> Text,
        uploader_name -> Text,
        uploaded_at -> Timestamp,
        directive_id -> Nullable<BigInt>,
        task_id -> Nullable<BigInt>,
        event_id -> Nullable<BigInt>,
        ntm_evaluation_id -> Nullable<BigInt>,
        ntm_indicator_code -> Nullable<Text>,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        locked_until -> Timestamp,
    }
}

diesel::table! {
    programmes (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        legal_basis -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programme_phases (id) {
        id -> BigInt,
        programme_id -> BigInt,
        name -> Text,
        start_year -> Integer,
        end_year -> Integer,
        decision -> Text,
    }
}

diesel::table! {
    programme_components (id) {
        id -> BigInt,
        programme_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    fund_sources (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    fund_projects (id) {
        id -> BigInt,
        unit_id -> BigInt,
        programme_id -> BigInt,
        component_id -> BigInt,
        name -> Text,
        investor -> Text,
        planned_cost -> BigInt,
        start_on -> Nullable<Date>,
        end_on -> Nullable<Date>,
        status -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fund_allocations (id) {
        id -> BigInt,
        programme_id -> BigInt,
        year -> Integer,
        component_id -> BigInt,
        source_id -> BigInt,
        from_unit_id -> Nullable<BigInt>,
        to_unit_id -> Nullable<BigInt>,
        to_project_id -> Nullable<BigInt>,
        amount -> BigInt,
        adjusts_id -> Nullable<BigInt>,
        decision_number -> Text,
        decision_date -> Date,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    fund_disbursements (id) {
        id -> BigInt,
        programme_id -> BigInt,
        year -> Integer,
        component_id -> BigInt,
        source_id -> BigInt,
        unit_id -> Nullable<BigInt>,
        project_id -> Nullable<BigInt>,
        amount -> BigInt,
        reversal -> Bool,
        paid_on -> Date,
        voucher -> Text,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    fund_beneficiaries (id) {
        id -> BigInt,
        programme_id -> BigInt,
        phase_id -> Nullable<BigInt>,
        year -> Integer,
        unit_id -> BigInt,
        category -> Text,
        decision -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ntm_criteria_sets (id) {
        id -> BigInt,
        code -> Text,
        version -> Integer,
        name -> Text,
        level -> Text,
        variant -> Text,
        legal_basis -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        status -> Text,
        definition -> Text,
        based_on_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ntm_rounds (id) {
        id -> BigInt,
        set_id -> BigInt,
        name -> Text,
        kind -> Text,
        year -> Integer,
        period_from -> Date,
        period_to -> Date,
        opens_on -> Date,
        closes_on -> Date,
        chain -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ntm_evaluations (id) {
        id -> BigInt,
        round_id -> BigInt,
        unit_id -> BigInt,
        district_id -> Nullable<BigInt>,
        region -> Nullable<Text>,
        commune_group -> Nullable<Text>,
        status -> Text,
        criteria_met -> Integer,
        all_met -> Bool,
        reopened_until -> Nullable<Date>,
        decision_number -> Nullable<Text>,
        decision_date -> Nullable<Date>,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    ntm_evaluation_criteria (evaluation_id, number) {
        evaluation_id -> BigInt,
        number -> Integer,
        department_unit_id -> Nullable<BigInt>,
        stage -> Integer,
        state -> Text,
        awaiting_unit_id -> Nullable<BigInt>,
        met -> Bool,
        claimed_met -> Nullable<Bool>,
        return_reason -> Nullable<Text>,
    }
}

diesel::table! {
    ntm_values (evaluation_id, indicator_code) {
        evaluation_id -> BigInt,
        indicator_code -> Text,
        value -> Nullable<Text>,
        note -> Text,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ntm_review_steps (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        stage -> Integer,
        action -> Text,
        criteria -> Text,
        reason -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    ntm_criterion_tasks (task_id) {
        task_id -> BigInt,
        evaluation_id -> BigInt,
        number -> Integer,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        kind -> Text,
        status -> Text,
        file_name -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        preview -> Text,
        created_by -> Text,
        creator_name -> Text,
        created_at -> Timestamp,
        org_unit_id -> Nullable<BigInt>,
        context -> Text,
        committed_at -> Nullable<Timestamp>,
        committed_by -> Nullable<Text>,
        rolled_back_at -> Nullable<Timestamp>,
        result -> Nullable<Text>,
    }
}

diesel::table! {
    /// Agency abbreviations administrators added (beyond the built-in list).
    agency_aliases (id) {
        id -> BigInt,
        alias -> Text,
        alias_key -> Text,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(ntm_rounds -> ntm_criteria_sets (set_id));
diesel::joinable!(ntm_evaluations -> ntm_rounds (round_id));
diesel::joinable!(ntm_evaluation_criteria -> ntm_evaluations (evaluation_id));

diesel::allow_tables_to_appear_in_same_query!(
    agency_aliases,
    app_meta,
    org_units,
    org_unit_closure,
    org_unit_successors,
    users,
    service_accounts,
    grants,
    refresh_tokens,
    login_failures,
    board_tokens,
    audit_log,
    directives,
    tasks,
    task_coordinators,
    task_events,
    notifications,
    job_leases,
    attachments,
    programmes,
    programme_phases,
    programme_components,
    fund_sources,
    fund_projects,
    fund_allocations,
    fund_disbursements,
    fund_beneficiaries,
    ntm_criteria_sets,
    ntm_rounds,
    ntm_evaluations,
    ntm_evaluation_criteria,
    ntm_values,
    ntm_review_steps,
    ntm_criterion_tasks,
    imports,
);
