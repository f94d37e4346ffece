// Every string the UI shows, in Chinese (default) and English. The choice is kept in localStorage.

export type Lang = 'zh' | 'en';

const KEY = 'chaindock.lang';

const dict = {
  app_name: ['产业链对接平台', 'Chain Docking Platform'],
  app_sub: ['京津冀产业链全景与对接', 'Beijing–Tianjin–Hebei industrial chains'],
  lang_toggle: ['English', '中文'],
  logout: ['退出', 'Log out'],
  nav_dashboard: ['总览', 'Dashboard'],
  nav_chains: ['产业链', 'Chains'],
  nav_registry: ['企业库', 'Registry'],
  nav_import: ['数据导入', 'Import'],
  role_admin: ['管理员', 'Administrator'],
  role_analyst: ['分析员', 'Analyst'],
  role_enterprise: ['企业用户', 'Enterprise'],
  role_expert: ['专家', 'Expert'],

  // login
  login_title: ['登录', 'Sign in'],
  login_lead: ['面向京津冀工业和信息化部门与企业的产业链全景、断点堵点分析与供需对接平台。', 'Industrial-chain panoramas, breakpoint and bottleneck analysis and supply–demand docking for the Beijing–Tianjin–Hebei industry departments and their enterprises.'],
  username: ['用户名', 'Username'],
  password: ['密码', 'Password'],
  login_f1_title: ['产业链全景', 'Chain panoramas'],
  login_f1_text: ['按上中下游展示各产业链环节、BOM 关系与各地产能。', 'Every chain link by segment, with its BOM and capacity by region.'],
  login_f2_title: ['断点 · 堵点 · 卡点', 'Breakpoints · bottlenecks · chokepoints'],
  login_f2_text: ['按京津冀、各省市范围计算缺链、产能不足与进口依赖环节。', 'Missing, thin and import-dependent links for BTH, each province and each Hebei city.'],
  login_f3_title: ['企业库与对接', 'Registry and docking'],
  login_f3_text: ['统一社会信用代码校验的企业库，批量导入逐行报告错误。', 'A registry checked by credit code; bulk import with a row-by-row report.'],
  login_foot: ['演示数据中的企业关系与数值均为示意。', 'Relations and figures in the demo data are illustrative.'],
  login_submit: ['登录', 'Sign in'],
  login_busy: ['正在登录…', 'Signing in…'],
  session_expired: ['登录已失效，请重新登录。', 'Your session has ended; please sign in again.'],

  // common
  loading: ['加载中…', 'Loading…'],
  error: ['出错了', 'Error'],
  retry: ['重试', 'Retry'],
  none: ['无', 'None'],
  yes: ['是', 'Yes'],
  no: ['否', 'No'],
  all: ['全部', 'All'],
  scope: ['范围', 'Scope'],
  search: ['查询', 'Search'],
  reset: ['重置', 'Reset'],
  save: ['保存', 'Save'],
  cancel: ['取消', 'Cancel'],
  edit: ['编辑', 'Edit'],
  back: ['返回', 'Back'],
  close: ['关闭', 'Close'],
  prev: ['上一页', 'Previous'],
  next: ['下一页', 'Next'],
  page_of: ['第 {a}–{b} 条，共 {n} 条', '{a}–{b} of {n}'],
  not_found: ['页面不存在', 'Page not found'],
  forbidden: ['无权访问', 'Not allowed'],
  count_unit: ['家', ''],

  // dashboard
  dash_title: ['产业链总览', 'Overview'],
  kpi_enterprises: ['企业', 'Enterprises'],
  kpi_chains: ['产业链', 'Chains'],
  kpi_breakpoints: ['断点', 'Breakpoints'],
  kpi_bottlenecks: ['堵点', 'Bottlenecks'],
  kpi_chokepoints: ['卡点', 'Chokepoints'],
  kpi_producers: ['生产关系', 'Producer rows'],
  kpi_supply: ['供应关系', 'Supply relations'],
  kpi_by_province: ['分省企业数', 'Enterprises by province'],
  map_title: ['京津冀企业分布', 'Enterprises across Beijing–Tianjin–Hebei'],
  map_enterprises: ['企业数', 'Enterprises'],
  map_point_leading: ['龙头企业', 'Leading'],
  map_point_specialised: ['专精特新', 'Specialised (SRDI)'],
  map_point_other: ['其他企业', 'Other'],
  map_points_note: ['地图显示 {n} 家企业的位置', '{n} enterprises placed on the map'],
  chains_table: ['各产业链断点、堵点、卡点', 'Breakpoints, bottlenecks and chokepoints by chain'],
  col_chain: ['产业链', 'Chain'],
  col_links: ['环节数', 'Links'],
  col_enterprises: ['企业数', 'Enterprises'],
  col_producers: ['生产关系', 'Producers'],
  col_breakpoints: ['断点', 'Breakpoints'],
  col_bottlenecks: ['堵点', 'Bottlenecks'],
  col_chokepoints: ['卡点', 'Chokepoints'],
  open_panorama: ['查看全景', 'Panorama'],

  // chains
  chains_title: ['产业链', 'Industrial chains'],
  chains_lead: ['点击产业链查看全景图与断点、堵点、卡点分析。', 'Open a chain to see its panorama and its breakpoints, bottlenecks and chokepoints.'],

  // registry
  registry_title: ['企业库', 'Enterprise registry'],
  q_placeholder: ['企业名称、简称或信用代码', 'Name, alias or credit code'],
  f_region: ['地区', 'Region'],
  f_chain: ['产业链', 'Chain'],
  f_industry: ['行业代码', 'Industry code'],
  f_industry_ph: ['如 3670', 'e.g. 3670'],
  f_leading: ['龙头企业', 'Leading'],
  f_specialised: ['专精特新', 'Specialised'],
  new_enterprise: ['新增企业', 'New enterprise'],
  col_name: ['企业名称', 'Name'],
  col_credit_code: ['统一社会信用代码', 'Credit code'],
  col_region: ['地区', 'Region'],
  col_industry: ['行业', 'Industry'],
  col_flags: ['标识', 'Flags'],
  col_chain_links: ['所在环节', 'Chain links'],
  registry_total: ['共 {n} 家', '{n} enterprises'],
  no_results: ['没有符合条件的企业', 'No enterprise matches'],
  flag_leading: ['龙头', 'Leading'],
  flag_specialised: ['专精特新', 'SRDI'],
  flag_above_scale: ['规上', 'Above scale'],
  flag_illustrative: ['示例', 'Illustrative'],

  // enterprise
  ent_public: ['基本信息', 'Public profile'],
  ent_aliases: ['别名', 'Aliases'],
  ent_region: ['所在地区', 'Region'],
  ent_location: ['坐标', 'Location'],
  ent_industry: ['国民经济行业', 'Industry (GB/T 4754)'],
  ent_above_scale: ['规模以上', 'Above scale'],
  ent_leading: ['龙头企业', 'Leading enterprise'],
  ent_specialised: ['专精特新', 'Specialised (专精特新)'],
  ent_illustrative: ['示例数据', 'Illustrative data'],
  ent_description: ['简介', 'Description'],
  ent_links: ['所在产业链环节', 'Chain links it makes'],
  ent_no_links: ['未登记产业链环节', 'No chain link recorded'],
  ent_private: ['企业私有信息', 'Private information'],
  ent_private_note: ['仅本企业、管理员和分析员可见', 'Visible to this enterprise, administrators and analysts only'],
  ent_contact_person: ['联系人', 'Contact person'],
  ent_contact_phone: ['联系电话', 'Contact phone'],
  ent_capacities: ['产能', 'Capacities'],
  ent_capacity: ['日产能', 'Capacity per day'],
  ent_link: ['环节', 'Link'],
  ent_version: ['版本', 'Version'],
  ent_edit_title: ['编辑企业信息', 'Edit enterprise'],
  ent_new_title: ['新增企业', 'New enterprise'],
  ent_saved: ['已保存', 'Saved'],
  ent_created: ['已创建', 'Created'],
  ent_conflict: ['保存冲突：', 'Conflict: '],
  ent_conflict_reload: ['重新加载最新版本', 'Reload the latest version'],
  fld_credit_code: ['统一社会信用代码', 'Unified social credit code'],
  fld_name: ['企业名称', 'Name'],
  fld_aliases: ['别名（用 ; 分隔）', 'Aliases (separated by ;)'],
  fld_region: ['所在区县', 'County / district'],
  fld_industry: ['行业代码（4 位）', 'Industry class (4 digits)'],
  fld_lng: ['经度', 'Longitude'],
  fld_lat: ['纬度', 'Latitude'],
  fld_description: ['简介', 'Description'],
  fld_contact_person: ['联系人', 'Contact person'],
  fld_contact_phone: ['联系电话', 'Contact phone'],

  // panorama
  pano_title: ['产业链全景', 'Chain panorama'],
  seg_upstream: ['上游', 'Upstream'],
  seg_midstream: ['中游', 'Midstream'],
  seg_downstream: ['下游', 'Downstream'],
  st_breakpoint: ['断点', 'Breakpoint'],
  st_bottleneck: ['堵点', 'Bottleneck'],
  st_chokepoint: ['卡点', 'Chokepoint'],
  st_healthy: ['正常', 'Healthy'],
  st_not_needed: ['本范围不需要', 'Not needed'],
  list_breakpoints: ['断点清单', 'Breakpoints'],
  list_bottlenecks: ['堵点清单', 'Bottlenecks'],
  list_chokepoints: ['卡点清单', 'Chokepoints'],
  list_gaps: ['堵点招商（待补链环节）', 'Gaps to fill by recruiting'],
  list_key: ['重点企业', 'Key enterprises'],
  list_key_total: ['共 {n} 家，显示前 {m} 家', '{n} in all, first {m} shown'],
  shortfall: ['缺口', 'Shortfall'],
  candidates: ['可引进企业', 'Candidates'],
  no_candidates: ['范围外暂无生产企业', 'No producer outside the scope'],
  panel_producers_by_region: ['各地生产企业产能', 'Producers by region'],
  panel_capacity_demand: ['产能与需求', 'Capacity against demand'],
  panel_supply_sources: ['供应来源', 'Supply sources'],
  panel_leading: ['主要生产企业', 'Leading producers'],
  panel_reasons: ['堵点原因', 'Why a bottleneck'],
  panel_hint: ['点击全景图中的环节查看详情', 'Click a link of the panorama to see its details'],
  in_scope: ['范围内', 'In scope'],
  out_of_scope: ['范围外', 'Out of scope'],
  capacity_in_scope: ['范围内日产能', 'Capacity in scope / day'],
  capacity_out_scope: ['范围外日产能', 'Capacity outside / day'],
  demand_in_scope: ['范围内需求', 'Demand in scope / day'],
  producers_in_scope: ['范围内企业', 'Producers in scope'],
  producers_out_scope: ['范围外企业', 'Producers outside'],
  coverage: ['产能覆盖率', 'Coverage'],
  hhi: ['集中度 HHI', 'HHI'],
  supply_in_scope_share: ['范围内供应占比', 'Supply from inside the scope'],
  no_supply: ['无登记的供应关系', 'No supply relation recorded'],
  no_producers: ['无生产企业', 'No producer'],
  terminal_link: ['终端产品：需求按产能计', 'Finished product: need equals capacity'],
  reason_capacity_shortfall: ['产能不足：{c} < 需求 {d}', 'Capacity short: {c} < demand {d}'],
  reason_single_producer: ['单一来源：仅 {e} 一家', 'Single source: only {e}'],
  reason_concentrated: ['过度集中：HHI {h}', 'Concentrated: HHI {h}'],
  col_link: ['环节', 'Link'],
  col_segment: ['段', 'Segment'],
  col_detail: ['说明', 'Detail'],
  col_share: ['份额', 'Share'],
  col_capacity: ['日产能', 'Capacity / day'],
  col_reasons: ['原因', 'Why'],
  bom_edge: ['{q} {ui} / {uo}', '{q} {ui} per {uo}'],
  import_dependent: ['进口依赖', 'Import-dependent'],
  legend: ['图例', 'Legend'],
  private_hidden: ['（不可见）', '(hidden)'],

  hebei_cities: ['河北各市…', 'Hebei cities…'],
  per_day: ['{q} {u}/日', '{q} {u}/day'],
  unit_per_day: ['{u}/日', '{u}/day'],
  unit: ['单位', 'Unit'],
  node_none_in_scope: ['范围内无企业 · 外 {n} 家', 'none in scope · {n} outside'],
  node_in_scope: ['{n} 家 · {c} {u}/日', '{n} · {c} {u}/day'],
  chokepoint_mark: ['卡', 'C'],

  // import
  import_title: ['数据导入', 'Import data'],
  import_lead: ['选择企业、产业链、生产关系、供应关系文件（CSV、XLSX 或 JSON）。先校验，没有错误时再确认写入；任一行有错，整批不写入。', 'Choose files of enterprises, chains, producers and supply relations (CSV, XLSX or JSON). They are checked first; confirm to write them when there is no error. One bad row and nothing is written.'],
  import_choose: ['选择文件', 'Choose files'],
  import_check: ['校验', 'Check'],
  import_checking: ['正在校验…', 'Checking…'],
  import_confirm: ['确认导入', 'Confirm import'],
  import_committing: ['正在写入…', 'Writing…'],
  import_no_files: ['尚未选择文件', 'No file chosen'],
  import_files: ['文件', 'Files'],
  import_format: ['格式', 'Format'],
  import_tables: ['数据表（行数）', 'Tables (rows)'],
  import_errors: ['错误 {n} 条', '{n} errors'],
  import_warnings: ['警告 {n} 条', '{n} warnings'],
  import_ok: ['校验通过，没有错误。', 'Checked: no errors.'],
  import_has_errors: ['存在错误，不能导入。请修改文件后重新校验。', 'There are errors; nothing can be written. Fix the files and check again.'],
  import_would_write: ['将写入', 'Would write'],
  import_written: ['已写入', 'Written'],
  import_done: ['导入完成。', 'Import done.'],
  col_file: ['文件', 'File'],
  col_row: ['行', 'Row'],
  col_column: ['列', 'Column'],
  col_value: ['值', 'Value'],
  col_reason: ['原因', 'Reason'],
  w_enterprises: ['企业', 'Enterprises'],
  w_chains: ['产业链', 'Chains'],
  w_producers: ['生产关系', 'Producers'],
  w_supply: ['供应关系', 'Supply relations'],
  w_links: ['产业链环节', 'Chain links'],
  w_bom: ['BOM 用量', 'BOM edges'],
} satisfies Record<string, [string, string]>;

export type Key = keyof typeof dict;

let lang: Lang = readLang();

function readLang(): Lang {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* private mode: not remembered */
  }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app_name');
}

/** The text of `key` in the current language, with `{name}` replaced from `params`. */
export function t(key: Key, params?: Record<string, string | number>): string {
  const pair = dict[key];
  let s: string = pair ? pair[lang === 'zh' ? 0 : 1] : key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** A scope's or region's name in the current language when the API gives an English one. */
export function localName(x: { name: string; name_en?: string | null }): string {
  return lang === 'en' && x.name_en ? x.name_en : x.name;
}

const PLACES_EN: Record<string, string> = {
  北京市: 'Beijing',
  天津市: 'Tianjin',
  河北省: 'Hebei',
  石家庄市: 'Shijiazhuang',
  唐山市: 'Tangshan',
  秦皇岛市: 'Qinhuangdao',
  邯郸市: 'Handan',
  邢台市: 'Xingtai',
  保定市: 'Baoding',
  张家口市: 'Zhangjiakou',
  承德市: 'Chengde',
  沧州市: 'Cangzhou',
  廊坊市: 'Langfang',
  衡水市: 'Hengshui',
};

/** A place's name in the current language: the API's English name, else the known one, else Chinese. */
export function placeName(zh: string, en?: string | null): string {
  if (lang === 'zh') return zh;
  return en || PLACES_EN[zh] || zh;
}
