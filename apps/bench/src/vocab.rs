//! Words the generator builds realistic records from. Nothing here names a real person.

pub const ALLIANCES: &[&str] = &[
    "North East and North Cumbria PCREF Alliance",
    "Yorkshire and the Humber PCREF Alliance",
    "North West PCREF Alliance",
    "Midlands PCREF Alliance",
    "East of England PCREF Alliance",
    "London PCREF Alliance",
    "South East and South West PCREF Alliance",
];

/// Providers per alliance, as weights (54 at national scale).
pub const PROVIDER_WEIGHTS: &[u32] = &[6, 7, 9, 10, 6, 12, 4];

pub const PLACES: &[&str] = &[
    "Tyne",
    "Wear",
    "Tees",
    "Cumbria",
    "Leeds",
    "Bradford",
    "Sheffield",
    "Hull",
    "York",
    "Wakefield",
    "Manchester",
    "Lancashire",
    "Mersey",
    "Cheshire",
    "Bolton",
    "Wirral",
    "Birmingham",
    "Coventry",
    "Leicester",
    "Nottingham",
    "Derby",
    "Stoke",
    "Walsall",
    "Wolverhampton",
    "Norfolk",
    "Suffolk",
    "Essex",
    "Cambridge",
    "Hertford",
    "Bedford",
    "Camden",
    "Hackney",
    "Lambeth",
    "Croydon",
    "Ealing",
    "Barnet",
    "Newham",
    "Brent",
    "Tower Hamlets",
    "Southwark",
    "Kent",
    "Sussex",
    "Surrey",
    "Oxford",
    "Berkshire",
    "Hampshire",
    "Devon",
    "Cornwall",
    "Bristol",
    "Somerset",
    "Dorset",
    "Gloucester",
    "Luton",
    "Slough",
    "Oldham",
    "Blackburn",
    "Kirklees",
    "Calderdale",
];

pub const PROVIDER_KINDS: &[&str] = &[
    "Mental Health NHS Foundation Trust",
    "Partnership NHS Foundation Trust",
    "Health and Care NHS Foundation Trust",
    "Mental Health NHS Trust",
];

pub const VCSE_KINDS: &[&str] = &[
    "African Caribbean Mental Health Forum",
    "Bangladeshi Carers Network",
    "Sikh Community Wellbeing Group",
    "Somali Women's Association",
    "Refugee and Migrant Action",
    "Gypsy, Roma and Traveller Support",
    "Chinese Wellbeing Centre",
    "Pakistani Community Centre",
    "Black Men's Health Collective",
    "Irish Community Care",
    "Arab Families Project",
    "Muslim Youth Mental Health Project",
    "Polish Community Support",
    "Multicultural Carers Forum",
    "Faith and Wellbeing Partnership",
];

pub const FIRST_NAMES: &[&str] = &[
    "Amina",
    "Oluwaseun",
    "Priya",
    "Tariq",
    "Grace",
    "Mohammed",
    "Siobhan",
    "Kwame",
    "Mei",
    "Farah",
    "Daniel",
    "Chiamaka",
    "Rajesh",
    "Yasmin",
    "Thomas",
    "Nia",
    "Imran",
    "Hannah",
    "Abdi",
    "Sunita",
    "Marcus",
    "Fatima",
    "Liam",
    "Adaeze",
    "Ravi",
    "Zainab",
    "Owen",
    "Leila",
];

pub const LAST_NAMES: &[&str] = &[
    "Khan",
    "Okafor",
    "Patel",
    "Mensah",
    "Begum",
    "Campbell",
    "O'Brien",
    "Chen",
    "Hussain",
    "Ahmed",
    "Williams",
    "Adeyemi",
    "Sharma",
    "Ali",
    "Brown",
    "Osei",
    "Iqbal",
    "Murphy",
    "Abdullahi",
    "Kaur",
    "Thompson",
    "Rahman",
    "Walker",
    "Nwosu",
    "Singh",
    "Mahmood",
    "Davies",
];

pub const SERVICES: &[&str] = &[
    "Adult acute inpatient services",
    "Community mental health teams",
    "Talking therapies",
    "Crisis and home treatment",
    "Children and young people's mental health services",
    "Early intervention in psychosis",
    "Perinatal mental health",
    "Secure and forensic services",
    "Older adults' mental health services",
    "Liaison psychiatry",
];

/// NHS ethnic category codes the priorities name, with how often (specific groups only).
pub const ETHNIC_CODES: &[&str] = &[
    "M", "N", "P", "D", "E", "H", "J", "K", "L", "R", "C", "B", "S", "G", "F",
];
pub const ETHNIC_WEIGHTS: &[u32] = &[16, 14, 6, 8, 4, 6, 9, 9, 4, 3, 4, 3, 3, 2, 2];

/// How a priority or an action talks about the group of a code.
pub fn group_phrase(code: &str) -> &'static str {
    match code {
        "M" => "Black Caribbean",
        "N" => "Black African",
        "P" => "Black British",
        "D" => "White and Black Caribbean",
        "E" => "White and Black African",
        "F" => "White and Asian",
        "G" => "mixed heritage",
        "H" => "Indian",
        "J" => "Pakistani",
        "K" => "Bangladeshi",
        "L" => "Sri Lankan Tamil",
        "R" => "Chinese",
        "C" => "Gypsy, Roma and Traveller",
        "B" => "Irish",
        "S" => "Arab",
        _ => "White British",
    }
}

pub const PEOPLE: &[&str] = &[
    "men",
    "women",
    "young people",
    "older adults",
    "carers",
    "families",
    "service users",
];

/// `{g}`: the group, `{p}`: the people, `{s}`: the service (lower case).
pub const PRIORITY_STATEMENTS: &[&str] = &[
    "Reduce detentions under the Mental Health Act of {g} {p}",
    "Improve access to {s} for {g} {p}",
    "Reduce restraint and seclusion experienced by {g} {p} on our wards",
    "Improve the experience of care reported by {g} {p} in {s}",
    "Increase self-referrals to talking therapies from {g} communities",
    "Reduce repeat crisis presentations of {g} {p}",
    "Close the gap in recovery rates for {g} {p} in {s}",
    "Reduce police involvement in crisis care for {g} {p}",
];

pub const EVIDENCE: &[&str] = &[
    "Detention rate {x} times the White British rate (MHSDS, 2025/26)",
    "Restrictive practice incidents {x} times as frequent per occupied bed day",
    "Referral rate {x} times lower than the local population would predict",
    "Recovery rate {x} percentage points below the trust average",
    "Community survey: {x} in 10 respondents would not seek help from the trust",
];

pub const CONSULTATION_NOTES: &[&str] = &[
    "Two listening events with community-led groups",
    "Focus groups with service users and carers, co-chaired by a VCSE partner",
    "Survey of 300 community members in five languages",
    "Discussed at the working-together group with faith leaders",
];

pub const GOALS: &[(&str, &str)] = &[
    ("Narrow the detention gap", "Detention rate ratio"),
    (
        "Halve the use of prone restraint",
        "Prone restraints per 1,000 occupied bed days",
    ),
    (
        "Raise self-referrals to match the local population",
        "Share of self-referrals",
    ),
    (
        "Every ward completes cultural awareness training",
        "Staff trained (%)",
    ),
    (
        "Carers report being involved in care planning",
        "Carers agreeing (%)",
    ),
    (
        "Co-produce the crisis pathway with communities",
        "Co-production sessions held",
    ),
    (
        "Board receives ethnicity data every quarter",
        "Quarterly reports delivered",
    ),
    (
        "Recruit peer support workers who reflect the community",
        "Peer workers in post",
    ),
];

/// `{g}`: the group.
pub const ACTIONS: &[&str] = &[
    "Co-design crisis alternatives with community partners",
    "Train ward staff in trauma-informed care",
    "Recruit peer support workers from {g} communities",
    "Publish restrictive practice data by ethnicity every month",
    "Commission culturally adapted talking therapies for {g} service users",
    "Offer interpreters at every first assessment",
    "Set up a carers' forum with local VCSE partners",
    "Review Mental Health Act assessments of {g} patients with an advocate present",
    "Run cultural awareness workshops for community teams",
    "Hold quarterly listening events with {g} communities",
    "Add ethnicity to the crisis line's call records",
    "Create a community liaison role in the home treatment team",
    "Audit care plans for cultural and faith needs",
    "Agree a data-sharing protocol with the police on crisis calls",
    "Set up reverse mentoring between board members and staff from {g} communities",
    "Pilot a culturally specific early intervention group",
];

pub const MEASURES: &[&str] = &[
    "Detentions per quarter",
    "Restraints per 1,000 occupied bed days",
    "Referrals by ethnic category",
    "Staff trained",
    "Carers' survey score",
    "Events held and people reached",
];

pub const OUTCOMES: &[&str] = &[
    "Fewer detentions",
    "Less restrictive practice",
    "Earlier access to help",
    "Care that reflects people's culture and faith",
    "Carers involved in decisions",
    "Trust in services rebuilt",
];

pub const LEAD_ROLES: &[&str] = &[
    "Associate Director of Nursing",
    "PCREF Lead",
    "Head of Equality, Diversity and Inclusion",
    "Consultant Psychiatrist",
    "Service Manager",
    "Patient Experience Lead",
    "Head of Workforce",
    "Data and Performance Lead",
    "Peer Support Lead",
];

pub const COSTS: &[&str] = &[
    "Within existing budgets",
    "Two peer support posts (band 4)",
    "Training budget of £12,000",
    "Interpreter costs met from the patient experience budget",
    "Grant to VCSE partners of £25,000",
];

pub const NARRATIVES: &[&str] = &[
    "Two co-design workshops held with community partners",
    "Training delivered to three wards; evaluation under way",
    "Data for the quarter shared with the steering group",
    "Recruitment started; interviews planned next month",
    "Delayed by staffing pressures on the wards",
    "Listening event held; actions agreed with the working-together group",
    "Procurement paused pending the budget decision",
    "Pilot running in two teams; early feedback positive",
    "Report taken to directorate management",
    "Partners asked for more time to consult their members",
];

pub const FEEDBACK_THEMES: &[&str] = &[
    "Waiting times for talking therapies",
    "Interpreters not offered at assessment",
    "Experience of restraint on the ward",
    "Carers not involved in discharge planning",
    "Faith and dietary needs on the ward",
    "Police involvement in crisis response",
    "Staff did not understand cultural background",
    "Difficulty getting a GP referral",
    "Positive experience of the peer support service",
    "Information only available in English",
];

pub const FEEDBACK_SUMMARIES: &[&str] = &[
    "Several people at a community event said they waited months and gave up",
    "Families told us they had to translate for a relative during a crisis",
    "Young men described being restrained on admission and feeling unsafe",
    "Carers said they learned of the discharge only on the day",
    "Participants asked for prayer space and halal meals on the ward",
    "People said the police arrived before any health professional",
    "Members felt staff made assumptions about their family and culture",
    "Members praised the peer worker who spoke their language",
];

pub const RESPONSES: &[&str] = &[
    "Thank you. We have added interpreter booking to the assessment checklist.",
    "We have shared this with the ward manager and reviewed the care plans concerned.",
    "This is now part of our PCREF action plan, with a named lead role.",
    "We met the group to listen and agreed three changes to the pathway.",
];

pub const PROJECT_TITLES: &[&str] = &[
    "Community crisis café co-designed with {g} communities",
    "Alliance-wide interpreter standard",
    "Peer support network for {g} carers",
    "Shared restrictive practice dashboard by ethnicity",
    "Faith leaders' mental health first aid programme",
    "Culturally adapted early intervention pathway for {g} young people",
    "Joint listening tour with VCSE partners",
    "Reducing police-led crisis responses for {g} communities",
];

pub const MILESTONES: &[&str] = &[
    "Listening events held",
    "Data analysed by ethnicity",
    "Problem statement agreed with partners",
    "Co-design workshops complete",
    "Pilot launched",
    "Evaluation report to the alliance board",
];

pub const PROJECT_NARRATIVES: &[&str] = &[
    "Partners met; terms of reference agreed",
    "Data request with three trusts outstanding",
    "Workshops well attended; themes written up",
    "Pilot site chosen; recruitment of peer workers under way",
    "Funding for the second year not yet confirmed",
    "Evaluation framework agreed with the university partner",
];

/// Words the library search looks for: each appears in some published plans' texts.
pub const SEARCH_WORDS: &[&str] = &[
    "detention",
    "crisis",
    "talking",
    "interpreters",
    "carers",
    "restraint",
    "peer",
    "police",
    "caribbean",
    "bangladeshi",
    "co-design",
    "listening",
    "trauma-informed",
    "data",
];
