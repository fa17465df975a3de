# Loads a task CSV into Redmine as issues. Run inside Redmine's directory:
#
#   RAILS_ENV=production bundle exec rails runner load.rb tasks.csv
#   RAILS_ENV=production bundle exec rails runner load.rb - < tasks.csv
#
# (load.sh does this, as www-data.) CSV header:
#   id,province_code,lead_unit,directive_number,content,state,deadline,
#   progress_percent,completed_on,created_at
#
# Mapping:
#   province_code -> a public project "tinh-<code>" (one per province)
#   every task    -> one tracker, "Nhiệm vụ" (created if missing)
#   lead_unit     -> an issue category of that project (name cut to 60 chars)
#   state         -> a default Redmine status, see STATE_TO_STATUS
#   id            -> issue id (so both sides share ids); root_id = id, lft 1,
#                    rgt 2: every task is a root of its own nested set
#   subject       -> "<directive_number>: <content>" cut to 255 chars
#   description   -> content, whole
#   deadline -> due_date, progress_percent -> done_ratio,
#   completed_on -> closed_on, created_at -> created_on (and updated_on)
#   author = admin, priority = the default priority
#
# Issues of the tinh-* projects loaded before are wiped first, as are their
# categories, so re-running with another CSV replaces the data; wipe and load
# are one transaction, so a failed load leaves the previous data in place.
# Rows go in with ActiveRecord's insert_all! in batches (BATCH, default 5000),
# without callbacks; the nested-set columns are set by hand as above. Issue
# ids must not collide with issues of other projects, if there are any.
require 'csv'

BATCH = Integer(ENV.fetch('BATCH', '5000'))
TRACKER_NAME = 'Nhiệm vụ'

# Our state -> position of the status in Redmine's default data, which is the
# same in every language (en names shown).
STATE_TO_STATUS = {
  'assigned'            => 1, # New
  'in_progress'         => 2, # In Progress
  'completion_proposed' => 3, # Resolved
  'reviewed'            => 3, # Resolved (awaiting the leadership's confirmation)
  'decline_proposed'    => 4, # Feedback (awaiting the issuer's decision)
  'completed'           => 5, # Closed   (is_closed)
  'cancelled'           => 6, # Rejected (is_closed)
}.freeze
EXPECTED_HEADER = %w[id province_code lead_unit directive_number content state
                     deadline progress_percent completed_on created_at].freeze

def log(msg)
  $stderr.puts format('[load %s] %s', Time.now.strftime('%H:%M:%S'), msg)
end

path = ARGV[0] or abort('usage: rails runner load.rb CSV|-')
io = path == '-' ? $stdin : File.open(path, 'r')
io.set_encoding('UTF-8')
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
conn = ActiveRecord::Base.connection
conn.execute('SET synchronous_commit TO off')

# --- reference data -----------------------------------------------------------
statuses = IssueStatus.sorted.to_a
status_ids = STATE_TO_STATUS.transform_values do |pos|
  statuses[pos - 1] or abort("Redmine has no status at position #{pos}: load the default data first")
end
status_ids.each_value.uniq.each { |s| log "status #{s.position}: #{s.name} (id #{s.id}#{', closed' if s.is_closed})" }
status_ids = status_ids.transform_values(&:id)
priority_id = (IssuePriority.default || IssuePriority.first or abort('no issue priority: load the default data first')).id
admin = User.find_by!(login: 'admin')

tracker = Tracker.find_by(name: TRACKER_NAME)
unless tracker
  template = Tracker.sorted.first
  tracker = Tracker.create!(name: TRACKER_NAME, default_status_id: status_ids['assigned'],
                            is_in_roadmap: false)
  WorkflowRule.copy(template, nil, tracker, nil) if template
end

# Province names for project names, from the repository's reference data
# (optional: without it projects are named "Tỉnh <code>").
names = {}
if (ref = ENV['PROVINCES_CSV']) && File.readable?(ref)
  CSV.foreach(ref, headers: true, encoding: 'UTF-8') do |r|
    names[r['new_province_code']] = r['new_province_name']
  end
end

bench_projects = -> { Project.where("identifier LIKE 'tinh-%'") }

# The header is checked before anything is wiped.
csv = CSV.new(io)
header = csv.shift
header[0] = header[0].to_s.delete_prefix("\uFEFF") if header # a BOM, as spreadsheets write
abort("unexpected CSV header: #{header.inspect}") unless header&.map(&:strip) == EXPECTED_HEADER

# Wipe and load in one transaction: a failed load leaves the previous data.
total = 0
ActiveRecord::Base.transaction do
  # --- wipe -----------------------------------------------------------------
  old_ids = bench_projects.call.pluck(:id)
  if old_ids.any?
    others = Issue.where.not(project_id: old_ids).count
    if others.zero?
      # Only loaded issues in this database: empty the table at once.
      conn.execute('TRUNCATE issues, issue_relations')
    else
      scope = Issue.where(project_id: old_ids)
      IssueRelation.where(issue_from_id: scope.select(:id)).or(IssueRelation.where(issue_to_id: scope.select(:id))).delete_all
      scope.delete_all
    end
    # what the UI may have added to loaded issues
    gone = Issue.select(:id)
    Journal.where(journalized_type: 'Issue').where.not(journalized_id: gone).in_batches.delete_all
    JournalDetail.where.not(journal_id: Journal.select(:id)).delete_all
    Watcher.where(watchable_type: 'Issue').where.not(watchable_id: gone).delete_all
    CustomValue.where(customized_type: 'Issue').where.not(customized_id: gone).delete_all
    IssueCategory.where(project_id: old_ids).delete_all
    log "wiped issues and categories of #{old_ids.size} tinh-* projects (#{others} other issues kept)"
  end

  # --- projects and categories, created as rows come ------------------------
  projects = bench_projects.call.index_by(&:identifier)
  project_ids = {} # code => id, for the rows
  project_for = lambda do |code|
    project_ids[code] ||= begin
      ident = "tinh-#{code.downcase}"
      p = projects[ident] ||= Project.create!(
        name: names[code] || "Tỉnh #{code}", identifier: ident, is_public: true,
        enabled_module_names: %w[issue_tracking], tracker_ids: [tracker.id]
      )
      p.trackers << tracker unless p.trackers.include?(tracker)
      p.id
    end
  end
  categories = {} # [project_id, name] => id
  category_for = lambda do |project_id, unit|
    name = unit.to_s.strip[0, 60]
    return nil if name.empty?
    categories[[project_id, name]] ||=
      IssueCategory.insert_all!([{ project_id: project_id, name: name }], returning: %w[id]).rows.first.first
  end

  # --- issues ---------------------------------------------------------------
  blank = ->(v) { v.nil? || v.strip.empty? ? nil : v.strip }
  batch = []
  flush = lambda do
    next if batch.empty?
    Issue.insert_all!(batch, returning: false)
    total += batch.size
    batch = []
    log "#{total} issues" if (total % (BATCH * 40)).zero?
  end

  line = 1
  csv.each do |id, code, unit, number, content, state, deadline, progress, completed_on, created_at|
    line += 1
    issue_id = Integer(id, 10) rescue abort("line #{line}: id #{id.inspect} is not an integer")
    abort("line #{line}: id #{issue_id} must be positive") unless issue_id.positive?
    status_id = status_ids[state] or abort("line #{line}: unknown state #{state.inspect}")
    project_id = project_for.call(code.to_s.strip)
    content = content.to_s
    subject = blank.call(number) ? "#{number.strip}: #{content}" : content
    subject = subject.gsub(/\s+/, ' ').strip[0, 255]
    closed_on = blank.call(completed_on)
    created_on = created_at
    batch << {
      id: issue_id, root_id: issue_id, lft: 1, rgt: 2, parent_id: nil,
      tracker_id: tracker.id, project_id: project_id,
      category_id: category_for.call(project_id, unit),
      status_id: status_id, priority_id: priority_id, author_id: admin.id,
      subject: subject, description: content,
      due_date: blank.call(deadline), done_ratio: progress.to_i.clamp(0, 100),
      created_on: created_on, updated_on: closed_on && closed_on > created_on.to_s[0, 10] ? closed_on : created_on,
      closed_on: closed_on, is_private: false, lock_version: 0,
    }
    flush.call if batch.size >= BATCH
  end
  flush.call
end # transaction
io.close unless io == $stdin

# keep Redmine's own numbering after the loaded ids
conn.execute("SELECT setval('issues_id_seq', GREATEST((SELECT COALESCE(MAX(id), 0) FROM issues), 1))")
conn.execute('ANALYZE issues')
conn.execute('ANALYZE issue_categories')
elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0

# --- counts -------------------------------------------------------------------
bench = bench_projects.call
per_status = Issue.where(project_id: bench.select(:id)).group(:status_id).count
puts "loaded #{total} issues in #{format('%.1f', elapsed)} s " \
     "(#{(total / [elapsed, 0.001].max).round} rows/s)"
puts "projects: #{bench.count}, categories: #{IssueCategory.where(project_id: bench.select(:id)).count}, " \
     "issues in database: #{Issue.count}"
statuses.each { |s| puts format('  status %-12s id %d: %d', s.name, s.id, per_status[s.id] || 0) }
demo = Project.find_by(identifier: 'tinh-25')
if demo
  n = Issue.where(project_id: demo.id, status_id: status_ids['in_progress']).count
  puts "tinh-25 (#{demo.name}): #{Issue.where(project_id: demo.id).count} issues, #{n} in progress"
end
puts "IN_PROGRESS_STATUS_ID=#{status_ids['in_progress']}"
puts "TRACKER_ID=#{tracker.id}"
