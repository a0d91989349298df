"""Concern texts for invented intakes, each with the categories its words justify.

The texts come in the styles staff actually meet: terse window notes, a
consulter's own words, a 民生委員's report, a fire crew's 消福連携 note. Each
template says which households it fits (an 8050 text needs an old parent and
a middle-aged child), which member it is about, where it is usually received
and how urgent it tends to be, so that the categories, the household and the
text of every generated intake agree with one another.

Placeholders: ``{fam}`` family name, ``{age}`` the subject's age, ``{decade}``
(80代), ``{sex}`` (女性/男性), ``{n}`` a small number, ``{months}`` 2–6.
"""

from __future__ import annotations

from dataclasses import dataclass

# Household kinds (see generate.HOUSEHOLD_KINDS).
SINGLE_ELDERLY = "single_elderly"
ELDERLY_COUPLE = "elderly_couple"
P8050 = "p8050"
FAMILY = "family_children"
SINGLE_PARENT = "single_parent"
THREE_GENERATION = "three_generation"
SINGLE_ADULT = "single_adult"
ADULT_WITH_PARENTS = "adult_with_parents"
FOREIGN_FAMILY = "foreign_family"
FOREIGN_SINGLE = "foreign_single"

ELDERLY = frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE, P8050, THREE_GENERATION})
WITH_CHILDREN = frozenset({FAMILY, SINGLE_PARENT, THREE_GENERATION, FOREIGN_FAMILY})
ADULTS = frozenset({SINGLE_ADULT, ADULT_WITH_PARENTS, FAMILY, SINGLE_PARENT, FOREIGN_SINGLE})
FOREIGN = frozenset({FOREIGN_FAMILY, FOREIGN_SINGLE})

STANDARD = "standard"
VOLUNTEER_CONCERN = "volunteer_concern"
FIRE_REPORT = "fire_report"


@dataclass(frozen=True)
class Concern:
    text: str
    categories: tuple[str, ...]
    fits: frozenset[str]
    # Which member it is about: eldest | youngest | adult_child | carer | head
    subject: str
    # Agency types that usually receive it, most likely first.
    windows: tuple[str, ...] = ("branch_office",)
    consulters: tuple[str, ...] = ("self", "family")
    urgency: str = "normal"
    kind: str = STANDARD
    weight: int = 3


CONCERNS: tuple[Concern, ...] = (
    # --- elderly care, dementia -------------------------------------------
    Concern(
        "本人来所。{age}歳、独居。最近足腰が弱り買い物と通院が負担。介護保険の申請方法を知りたいとのこと。",
        ("elderly_care", "mobility_shopping"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("branch_office", "community_support_center"),
        ("self",),
        weight=6,
    ),
    Concern(
        "母のことで相談です。物忘れがひどくなって、同じものを何度も買ってきます。鍋を焦がしたこともあって心配で。",
        ("dementia", "elderly_care", "disaster_safety"),
        ELDERLY,
        "eldest",
        ("community_support_center", "branch_office"),
        ("family",),
        weight=6,
    ),
    Concern(
        "夫({age}歳)の介護を一人でしている。夜中に何度も起こされ眠れない。デイサービスを増やしたい。",
        ("elderly_care", "family_relations"),
        frozenset({ELDERLY_COUPLE}),
        "eldest",
        ("community_support_center", "branch_office"),
        ("family",),
        weight=5,
    ),
    Concern(
        "ケアマネより。{fam}さん({decade}{sex})、退院が来週に決まったが在宅の支援体制が未調整。区分変更申請中。",
        ("elderly_care", "physical_health"),
        ELDERLY,
        "eldest",
        ("community_support_center", "branch_office"),
        ("agency", "medical"),
        urgency="high",
        weight=3,
    ),
    Concern(
        "近所の方から電話。{fam}さん宅の新聞が3日分たまっている。インターホンに応答なし。",
        ("elderly_care", "social_isolation"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("branch_office", "community_support_center"),
        ("neighbor",),
        urgency="emergency",
        weight=1,
    ),
    Concern(
        "一人で暮らしているが、夜になると不安で眠れない。話し相手もいない。どこか通える場所はないか。",
        ("social_isolation", "elderly_care"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("branch_office", "csw", "community_support_center"),
        ("self",),
        weight=4,
    ),
    Concern(
        "義母({age}歳)が夕方になると「家に帰る」と外に出てしまう。先週は警察に保護された。家族だけでは見きれない。",
        ("dementia", "elderly_care", "family_relations"),
        frozenset({THREE_GENERATION, ELDERLY_COUPLE}),
        "eldest",
        ("community_support_center", "dementia_initial_team", "branch_office"),
        ("family",),
        urgency="high",
        weight=3,
    ),
    Concern(
        "通帳をなくしたと何度も銀行へ行っている。訪問販売で高額な布団を契約していたことが判明。",
        ("dementia", "rights_advocacy"),
        ELDERLY,
        "eldest",
        ("community_support_center", "guardianship_center", "branch_office"),
        ("family", "agency"),
        urgency="high",
        weight=3,
    ),
    Concern(
        "{fam}さん、{decade}{sex}。受診を拒否し服薬もできていない様子。家族は遠方(名古屋市)。",
        ("physical_health", "elderly_care", "self_neglect"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("community_support_center", "public_health_nurse", "branch_office"),
        ("family", "agency"),
        weight=3,
    ),
    # --- daily living, mobility --------------------------------------------
    Concern(
        "台所の電球が切れたが、脚立に上がるのが怖い。頼める人がいない。",
        ("daily_living",),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("branch_office", "volunteer_center", "csw"),
        ("self",),
        weight=4,
    ),
    Concern(
        "庭の草が伸びて近所から苦情が来た。自分ではもう草取りができない。シルバー人材センター以外に安く頼める所は?",
        ("daily_living", "neighborhood"),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("branch_office", "volunteer_center"),
        ("self",),
        weight=3,
    ),
    Concern(
        "電話。ごみ出しの日を忘れてしまい、集積所まで運ぶのも大変。ごみ出し支援はあるか。",
        ("daily_living", "elderly_care"),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("branch_office",),
        ("self", "family"),
        weight=3,
    ),
    Concern(
        "バスが1日3便に減り、通院と買い物に行けない。免許は返納した。移動手段を相談したい。",
        ("mobility_shopping", "elderly_care"),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("branch_office", "csw"),
        ("self",),
        weight=4,
    ),
    Concern(
        "タンスを2階から1階へ移したい。一人では無理。お助け隊の連絡先を教えてほしい。",
        ("daily_living",),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("branch_office", "volunteer_center"),
        ("self",),
        weight=2,
    ),
    # --- 8050 / social isolation ---------------------------------------------
    Concern(
        "{age}歳の息子が20年近く家から出ない。私が倒れたらこの子はどうなるのか。どこに相談したらよいか分からなかった。",
        ("social_isolation", "elderly_care", "family_relations"),
        frozenset({P8050}),
        "adult_child",
        ("branch_office", "csw", "coordination_section"),
        ("family",),
        weight=6,
    ),
    Concern(
        "母({decade})の年金で二人暮らし。自分は仕事が続かず今は無職。母の介護もあり、お金が足りない。",
        ("financial_hardship", "employment", "elderly_care"),
        frozenset({P8050}),
        "adult_child",
        ("csw", "branch_office", "welfare_office"),
        ("self",),
        weight=4,
    ),
    Concern(
        "地域包括より。訪問時、同居の長男が大声で母親を怒鳴っていた。本人にあざあり。長男は無職でひきこもり気味。",
        ("abuse_violence", "elderly_care", "social_isolation"),
        frozenset({P8050}),
        "eldest",
        ("coordination_section", "community_support_center"),
        ("agency",),
        urgency="emergency",
        weight=2,
    ),
    Concern(
        "30代の頃に退職してから家にいる。最近は昼夜逆転。親も{decade}になり、このままではいけないと思っている。",
        ("social_isolation", "employment", "mental_health"),
        frozenset({P8050, ADULT_WITH_PARENTS}),
        "adult_child",
        ("csw", "branch_office", "employment_support"),
        ("self",),
        weight=3,
    ),
    # --- disability, mental health -------------------------------------------
    Concern(
        "知的障がいのある長男({age}歳)と同居。親亡き後のことが心配。グループホームの見学をしたい。",
        ("disability", "family_relations"),
        frozenset({ADULT_WITH_PARENTS}),
        "adult_child",
        ("disability_support_office", "branch_office"),
        ("family",),
        weight=4,
    ),
    Concern(
        "精神科に通院中。仕事を休職して{months}か月。傷病手当が切れた後の生活が不安。",
        ("mental_health", "financial_hardship", "employment"),
        frozenset({SINGLE_ADULT, FAMILY}),
        "head",
        ("csw", "branch_office", "public_health_center"),
        ("self",),
        weight=4,
    ),
    Concern(
        "本人より電話。「もう消えてしまいたい」と話す。家族はいない。通院は中断している。",
        ("mental_health",),
        frozenset({SINGLE_ADULT}),
        "head",
        ("coordination_section", "public_health_center", "branch_office"),
        ("self",),
        urgency="emergency",
        weight=1,
    ),
    Concern(
        "身体障害者手帳2級。車いすで生活。自宅の段差で転倒が増えた。住宅改修の制度を知りたい。",
        ("disability", "housing"),
        frozenset({SINGLE_ADULT, ADULT_WITH_PARENTS}),
        "adult_child",
        ("disability_support_office", "branch_office"),
        ("self", "family"),
        weight=2,
    ),
    Concern(
        "飲酒がやめられず、仕事も失った。家族からは離婚を切り出されている。",
        ("mental_health", "employment", "family_relations"),
        frozenset({SINGLE_ADULT, FAMILY}),
        "head",
        ("public_health_center", "csw", "branch_office"),
        ("self", "family"),
        weight=2,
    ),
    # --- child rearing, young carers ---------------------------------------
    Concern(
        "下の子の発達が気になる。言葉が遅く、健診で様子見と言われた。相談できる所を探している。",
        ("child_rearing", "disability"),
        frozenset({FAMILY, SINGLE_PARENT}),
        "youngest",
        ("child_support_center", "branch_office"),
        ("family",),
        weight=4,
    ),
    Concern(
        "中学2年の長女が2学期から登校していない。部屋にこもりがち。学校とも話しているが進展がない。",
        ("child_rearing", "social_isolation"),
        WITH_CHILDREN,
        "youngest",
        ("child_support_center", "branch_office", "csw"),
        ("family", "school"),
        weight=4,
    ),
    Concern(
        "学校より。{fam}さんの長男、遅刻が多く、家で祖母の世話や弟妹の送迎をしている様子。ヤングケアラーの可能性。",
        ("child_rearing", "elderly_care"),
        frozenset({THREE_GENERATION, SINGLE_PARENT}),
        "youngest",
        ("child_support_center", "csw", "branch_office"),
        ("school",),
        urgency="high",
        weight=2,
    ),
    Concern(
        "離婚してひとり親になった。パートの収入だけでは家賃と保育料が払えない。児童扶養手当の手続きを知りたい。",
        ("child_rearing", "financial_hardship"),
        frozenset({SINGLE_PARENT}),
        "head",
        ("branch_office", "child_support_center", "csw"),
        ("self",),
        weight=5,
    ),
    Concern(
        "夜泣きが続き、つい子どもに手をあげそうになる。誰にも相談できずにいた。",
        ("child_rearing", "mental_health", "abuse_violence"),
        frozenset({FAMILY, SINGLE_PARENT}),
        "head",
        ("child_support_center", "public_health_nurse"),
        ("self",),
        urgency="high",
        weight=2,
    ),
    Concern(
        "保育園より連絡。{fam}さんの次男、体にあざ。説明があいまい。",
        ("abuse_violence", "child_rearing"),
        frozenset({FAMILY, SINGLE_PARENT}),
        "youngest",
        ("child_support_center", "coordination_section"),
        ("school", "agency"),
        urgency="emergency",
        weight=1,
    ),
    Concern(
        "子育てと実母の介護が重なり、仕事を辞めるか迷っている。平日昼間に母を見てくれる所がほしい。",
        ("child_rearing", "elderly_care", "employment"),
        frozenset({THREE_GENERATION}),
        "carer",
        ("branch_office", "community_support_center", "child_support_center"),
        ("self",),
        weight=4,
    ),
    # --- money, work, housing ------------------------------------------------
    Concern(
        "派遣の契約が切れて{months}か月。家賃を2か月滞納し、管理会社から退去の話が出ている。",
        ("financial_hardship", "housing", "employment"),
        frozenset({SINGLE_ADULT, FOREIGN_SINGLE}),
        "head",
        ("csw", "branch_office", "welfare_office"),
        ("self",),
        urgency="high",
        weight=5,
    ),
    Concern(
        "電気の停止予告が届いた。手持ちは千円ほど。今日食べるものもない。",
        ("financial_hardship",),
        frozenset({SINGLE_ADULT, SINGLE_PARENT, FOREIGN_SINGLE}),
        "head",
        ("csw", "branch_office", "welfare_office"),
        ("self",),
        urgency="emergency",
        weight=2,
    ),
    Concern(
        "本人来所。工場の夜勤で腰を痛め退職。求職中だが年齢的に厳しい。生活保護の相談も。",
        ("employment", "financial_hardship", "physical_health"),
        frozenset({SINGLE_ADULT, FAMILY}),
        "head",
        ("branch_office", "welfare_office", "employment_support"),
        ("self",),
        weight=3,
    ),
    Concern(
        "借金の返済が追いつかない。家族には内緒にしている。どうしたらよいか。",
        ("financial_hardship", "rights_advocacy"),
        ADULTS,
        "head",
        ("csw", "branch_office"),
        ("self",),
        weight=3,
    ),
    Concern(
        "アパートの取り壊しで転居を求められている。高齢で保証人がおらず、次の部屋が見つからない。",
        ("housing", "elderly_care"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("branch_office", "csw"),
        ("self",),
        urgency="high",
        weight=2,
    ),
    # --- self neglect, neighbourhood, safety ----------------------------------
    Concern(
        "自治区長より。{fam}さん宅の庭と玄関にごみが積み上がり、悪臭と害虫で近隣が困っている。本人は支援を拒否。",
        ("self_neglect", "neighborhood"),
        frozenset({SINGLE_ELDERLY, SINGLE_ADULT}),
        "eldest",
        ("branch_office", "csw", "coordination_section"),
        ("neighborhood_leader",),
        weight=3,
    ),
    Concern(
        "隣の部屋から毎晩大声と物音。住人は一人暮らしの{decade}{sex}らしい。注意したら逆に怒鳴られた。",
        ("neighborhood", "mental_health"),
        frozenset({SINGLE_ADULT, SINGLE_ELDERLY}),
        "head",
        ("branch_office",),
        ("neighbor", "anonymous"),
        weight=2,
    ),
    Concern(
        "避難行動要支援者の名簿に載っているが、災害のとき誰が迎えに来るのか分からない。個別避難計画を作りたい。",
        ("disaster_safety", "elderly_care"),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE, ADULT_WITH_PARENTS}),
        "eldest",
        ("branch_office",),
        ("self", "family"),
        weight=2,
    ),
    Concern(
        "夫の暴力から逃げたい。子どもを連れて家を出る準備をしている。夫には知られたくない。",
        ("abuse_violence", "housing", "child_rearing"),
        frozenset({FAMILY}),
        "head",
        ("coordination_section", "child_support_center", "branch_office"),
        ("self",),
        urgency="emergency",
        weight=1,
    ),
    Concern(
        "介護のことで兄弟と意見が合わず、実家の片付けも進まない。話し合いの進め方を相談したい。",
        ("family_relations", "elderly_care"),
        frozenset({ELDERLY_COUPLE, THREE_GENERATION}),
        "eldest",
        ("branch_office", "community_support_center"),
        ("family",),
        weight=2,
    ),
    # --- foreign residents ------------------------------------------------------
    Concern(
        "ポルトガル語通訳を介して相談。工場の仕事を解雇され、来月の家賃が払えない。子どもの学校の書類も読めない。",
        ("foreign_residents", "financial_hardship", "employment", "child_rearing"),
        frozenset({FOREIGN_FAMILY}),
        "head",
        ("international_center", "branch_office", "csw"),
        ("self",),
        urgency="high",
        weight=4,
    ),
    Concern(
        "在留カードの更新と国民健康保険の手続きが分からない。日本語は少しだけ。通訳が必要。",
        ("foreign_residents",),
        FOREIGN,
        "head",
        ("international_center", "branch_office"),
        ("self",),
        weight=4,
    ),
    Concern(
        "小学校より。{fam}さんの子、日本語がほとんど話せず授業についていけない。保護者との連絡も難しい。",
        ("foreign_residents", "child_rearing"),
        frozenset({FOREIGN_FAMILY}),
        "youngest",
        ("international_center", "child_support_center", "branch_office"),
        ("school",),
        weight=3,
    ),
    Concern(
        "技能実習先を辞めた。寮を出なければならない。住む場所と次の仕事を探している。",
        ("foreign_residents", "housing", "employment"),
        frozenset({FOREIGN_SINGLE}),
        "head",
        ("international_center", "csw", "branch_office"),
        ("self", "agency"),
        urgency="high",
        weight=2,
    ),
    Concern(
        "妊娠中。病院で言われたことが分からず不安。母子手帳の外国語版はあるか。",
        ("foreign_residents", "child_rearing", "physical_health"),
        FOREIGN,
        "head",
        ("public_health_nurse", "international_center", "branch_office"),
        ("self",),
        weight=2,
    ),
    # --- a 民生委員's concerns (kind volunteer_concern) -------------------------
    Concern(
        "担当地区の{fam}さん({decade}{sex})。最近見かけないので訪問したところ、部屋が散らかり食事もとれていない様子。本人は「大丈夫」と言うが心配。",
        ("elderly_care", "self_neglect"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("branch_office",),
        ("community_volunteer",),
        kind=VOLUNTEER_CONCERN,
        weight=4,
    ),
    Concern(
        "見守り訪問時、奥さんが「夫が夜に家の外を歩き回る」と疲れた様子で話していた。介護サービスは使っていないとのこと。",
        ("dementia", "elderly_care"),
        frozenset({ELDERLY_COUPLE}),
        "eldest",
        ("branch_office",),
        ("community_volunteer",),
        kind=VOLUNTEER_CONCERN,
        weight=3,
    ),
    Concern(
        "{fam}さん宅、{decade}の母親と息子さんの二人暮らし。息子さんの姿を何年も見ていない。母親が最近入院したと聞き、息子さんの生活が心配。",
        ("social_isolation", "elderly_care"),
        frozenset({P8050}),
        "adult_child",
        ("branch_office",),
        ("community_volunteer",),
        kind=VOLUNTEER_CONCERN,
        weight=3,
    ),
    Concern(
        "子ども食堂に来ている兄弟が、いつも同じ服で空腹の様子。母親は夜も働いているらしい。",
        ("child_rearing", "financial_hardship"),
        frozenset({SINGLE_PARENT}),
        "youngest",
        ("branch_office",),
        ("community_volunteer",),
        kind=VOLUNTEER_CONCERN,
        weight=2,
    ),
    # --- fire crews' 消福連携 notes (kind fire_report) ----------------------------
    Concern(
        "救急出場。{decade}{sex}、自宅で転倒し動けず。室内にごみが堆積、ガスコンロ周りに焦げ跡。独居、親族の連絡先不明。",
        ("elderly_care", "self_neglect", "disaster_safety"),
        frozenset({SINGLE_ELDERLY}),
        "eldest",
        ("fire_department",),
        ("fire_department",),
        urgency="high",
        kind=FIRE_REPORT,
        weight=3,
    ),
    Concern(
        "救急要請、本人は不搬送。同じ住所から今月{n}回目の要請。「寂しくて呼んだ」と話す。",
        ("social_isolation", "mental_health", "elderly_care"),
        frozenset({SINGLE_ELDERLY, SINGLE_ADULT}),
        "eldest",
        ("fire_department",),
        ("fire_department",),
        kind=FIRE_REPORT,
        weight=2,
    ),
    Concern(
        "住宅防火訪問。寝たばこの跡が布団に複数。本人は物忘れがあり、火の始末が心配。",
        ("disaster_safety", "dementia"),
        frozenset({SINGLE_ELDERLY, ELDERLY_COUPLE}),
        "eldest",
        ("fire_department",),
        ("fire_department",),
        kind=FIRE_REPORT,
        weight=2,
    ),
    Concern(
        "救急搬送。介護者の夫({decade})が倒れ搬送。要介護の妻が自宅に一人残された。",
        ("elderly_care",),
        frozenset({ELDERLY_COUPLE}),
        "eldest",
        ("fire_department",),
        ("fire_department",),
        urgency="emergency",
        kind=FIRE_REPORT,
        weight=1,
    ),
)
