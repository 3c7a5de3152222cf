/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator-jobs.c: the demo employers, jobs and fairs, for wh-generator.c's pipeline */
#define G_LOG_DOMAIN "wh-generator"

#include "config.h"

#include <math.h>
#include <string.h>

#include "wh-generator-private.h"

/* ---- employers, jobs, fairs ---------------------------------------------- */

void
wh_gen_employer (Gen      *g,
                 Rng      *r,
                 gint64    id,
                 WhRecord *record)
{
  guint city = wh_gen_pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint trade = wh_gen_pick_trade_for_jobs (g, r);
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  gboolean municipality = c->province_adcode / 10000 == 11 || c->province_adcode / 10000 == 12 ||
                          c->province_adcode / 10000 == 31 || c->province_adcode / 10000 == 50;
  const char *prefix = municipality || rng_chance (r, 0.5) ? c->name : c->full_name;
  const char *size = g->t->company_sizes.items[umin (rng_below (r, 10) / 2 + rng_below (r, 2),
                                                    g->t->company_sizes.n - 1)];
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;

  if (rng_chance (r, 0.2))
    name = g_strconcat (prefix, pick (r, &g->t->company_words), pick (r, &g->t->company_words),
                        pick (r, &tl->suffixes), NULL);
  else
    name = g_strconcat (prefix, pick (r, &g->t->company_words), pick (r, &tl->suffixes), NULL);
  description = g_strdup_printf ("%s成立于%d年，主要从事%s相关业务，现有员工%s。"
                                 "公司依法与员工签订劳动合同、缴纳社会保险，%s。",
                                 name, rng_range (r, 1995, 2023), tr->industry, size,
                                 rng_chance (r, 0.5) ? "已建立工会组织"
                                                     : "重视员工技能培训和职业发展");

  g->employer_city[id - 1] = (guint16) city;
  g->employer_trade[id - 1] = (guint8) trade;
  g->employer_name[id - 1] = g_strdup (name);

  wh_record_set_text (record, "name", name);
  wh_record_set_text (record, "industry", tr->industry);
  wh_record_set_int (record, "city_adcode", c->city_adcode);
  wh_record_set_text (record, "size", size);
  wh_record_set_bool (record, "verified", rng_chance (r, 0.7));
  wh_record_set_text (record, "description", description);
}

void
wh_gen_job (Gen      *g,
            Rng      *r,
            gint64    id,
            WhRecord *record)
{
  /* A few employers post most of the jobs, as on real boards. */
  guint employer = umin ((guint) (g->scale->employers * pow (rng_double (r), 1.7)),
                        g->scale->employers - 1);
  guint city = g->employer_city[employer];
  const WhGenCity *c = &wh_gen_cities[city];
  guint trade = rng_chance (r, 0.85) ? g->employer_trade[employer]
                                     : wh_gen_pick_trade_for_jobs (g, r);
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const char *title = pick (r, &tl->titles);
  const char *period, *settlement;
  int smin, smax, p = rng_range (r, 0, 99);
  double lat, lon;
  const char *welfare[12];
  guint n_welfare = 0;
  int headcount = 1 + (int) (29 * pow (rng_double (r), 2.5));
  g_autoptr(GString) desc = g_string_new (NULL);
  g_autofree char *contact = NULL;
  g_autofree char *phone = wh_gen_mobile_phone (r, rng_chance (r, 0.5));
  int posted = rng_range (r, 0, 59);
  char count[16];

  if (p < (int) tr->p_day)
    {
      int lo = CLAMP ((int) tr->month_min / 26, 150, 330), hi = CLAMP ((int) tr->month_max / 26, lo, 360);

      period = "day";
      smin = rng_range (r, lo / 10, hi / 10) * 10;
      smax = smin + rng_range (r, 2, 8) * 10;
      smax = MIN (400, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 70 ? "daily" : p < 95 ? "weekly" : "monthly";
    }
  else if (p < (int) (tr->p_day + tr->p_hour))
    {
      period = "hour";
      smin = rng_range (r, 20, 38);
      smax = smin + rng_range (r, 2, 7);
      smax = MIN (45, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 50 ? "daily" : p < 90 ? "weekly" : "monthly";
    }
  else
    {
      int lo = MAX (4000, (int) tr->month_min), hi = MAX (lo, (int) tr->month_max - 1500);

      period = "month";
      smin = rng_range (r, lo / 500, hi / 500) * 500;
      smax = smin + rng_range (r, 2, 8) * 500;
      smax = MIN (15000, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 88 ? "monthly" : p < 95 ? "weekly" : "daily";
    }

  /* welfare: settlement first when it is not monthly, then a few others */
  if (strcmp (settlement, "daily") == 0)
    welfare[n_welfare++] = "日结";
  else if (strcmp (settlement, "weekly") == 0)
    welfare[n_welfare++] = "周结";
  {
    /* tags that say the same thing twice, or contradict each other */
    static const char * const clashes[][2] = {
      { "五险", "五险一金" }, { "包吃", "包吃住" }, { "包住", "包吃住" }, { "周末双休", "单休" },
      { "包住", "员工宿舍" }, { "包吃住", "员工宿舍" }, { "包吃", "餐补" }, { "包吃住", "餐补" },
    };
    guint want = (guint) rng_range (r, 2, 6);
    guint order[64];
    guint n_tags = umin (g->t->welfare.n, G_N_ELEMENTS (order));

    for (guint k = 0; k < n_tags; k++)
      order[k] = k;
    for (guint k = 0; k < n_tags && n_welfare < want + 1; k++)
      {
        guint j = k + rng_below (r, n_tags - k);
        guint tmp = order[k];
        const char *w;
        gboolean ok = TRUE;

        order[k] = order[j];
        order[j] = tmp;
        w = g->t->welfare.items[order[k]];
        if (strcmp (w, "日结") == 0 || strcmp (w, "周结") == 0)
          continue;
        if (strcmp (period, "month") != 0 && (strcmp (w, "五险一金") == 0 || strcmp (w, "年底双薪") == 0))
          continue;
        for (guint x = 0; x < G_N_ELEMENTS (clashes) && ok; x++)
          for (guint m = 0; m < n_welfare && ok; m++)
            if ((strcmp (w, clashes[x][0]) == 0 && strcmp (welfare[m], clashes[x][1]) == 0) ||
                (strcmp (w, clashes[x][1]) == 0 && strcmp (welfare[m], clashes[x][0]) == 0))
              ok = FALSE;
        if (ok)
          welfare[n_welfare++] = w;
      }
  }
  welfare[n_welfare] = NULL;

  wh_gen_jitter (r, d->lat, d->lon, 6.0, &lat, &lon);
  contact = g_strconcat (pick (r, &g->t->surnames),
                         (const char *[]) { "先生", "女士", "经理", "师傅", "主管" }[rng_below (r, 5)],
                         NULL);

  g_snprintf (count, sizeof count, "%d", headcount);
  {
    const char * const kv[] = { "title", title, "n", count, "district", d->name, NULL };
    static const char * const hours[] = {
      "早8点至晚6点，月休4天", "两班倒，白班夜班每月轮换", "做六休一，每天工作8小时",
      "时间自由，多劳多得", "上午9点到下午5点半，周末双休", "做五休二，法定节假日休息",
      "早班6点至14点，晚班14点至22点",
    };
    const char *unit = strcmp (period, "month") == 0 ? "月薪" : strcmp (period, "day") == 0 ? "日薪" : "时薪";
    const char *pay = strcmp (settlement, "daily") == 0 ? "当天结算"
                      : strcmp (settlement, "weekly") == 0 ? "每周结算一次"
                                                          : "每月15日前发放上月工资";

    wh_gen_append_template (desc, pick (r, &g->t->job_openers), kv);
    g_string_append_printf (desc, "岗位职责：%s。", pick (r, &tl->duties));
    if (rng_chance (r, 0.8))
      g_string_append_printf (desc, "任职要求：%s。", pick (r, &tl->requirements));
    if (rng_chance (r, 0.6))
      g_string_append_printf (desc, "工作时间：%s。", hours[rng_below (r, G_N_ELEMENTS (hours))]);
    g_string_append_printf (desc, "%s%d至%d元，%s。", unit, smin, smax, pay);
    if (rng_chance (r, 0.3))
      g_string_append (desc, pick (r, &g->t->job_closers));
  }

  wh_record_set_text (record, "title", title);
  wh_record_set_int (record, "employer_id", employer + 1);
  wh_record_set_text (record, "employer_name", g->employer_name[employer]);
  wh_record_set_text (record, "category", tr->category);
  wh_gen_set_region (record, c, district);
  wh_record_take_text (record, "address", wh_gen_street_address (g, r, city, district, NULL));
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_int (record, "salary_min", smin);
  wh_record_set_int (record, "salary_max", smax);
  wh_record_set_text (record, "salary_period", period);
  wh_record_set_text (record, "settlement", settlement);
  wh_record_set_strv (record, "welfare", welfare);
  wh_record_set_int (record, "headcount", headcount);
  wh_record_set_text (record, "description", desc->str);
  wh_record_set_text (record, "contact_name", contact);
  wh_record_set_text (record, "contact_phone", phone);
  wh_record_set_text (record, "posted_at", date_at (&g->dates, -posted));
  wh_record_set_text (record, "expires_at", date_at (&g->dates, -posted + rng_range (r, 30, 90)));
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

void
wh_gen_fair (Gen      *g,
             Rng      *r,
             gint64    id,
             WhRecord *record)
{
  guint city = wh_gen_pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const char *area = pick (r, &g->t->cities[city].districts[district].areas);
  int day = rng_range (r, 1, 60);
  int month = g->dates.month[day + DATE_BEFORE];
  GArray *pool = g->city_employers[city];
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) venue = g_string_new (NULL);
  g_autoptr(GString) desc = g_string_new (NULL);
  const char *place = rng_chance (r, 0.6) ? d->name : c->full_name;
  static const char * const themes[] = {
    "金秋招聘月专场招聘会", "秋季就业服务专场招聘会", "新就业形态劳动者专场招聘会",
    "家政服务业专场招聘会", "快递物流行业专场招聘会", "退役军人专场招聘会",
    "制造业技能人才专场招聘会", "农民工专场招聘会", "“职等你来”就业服务专场",
  };
  static const char * const winter[] = { "就业援助月专场招聘会", "冬季专场招聘会",
                                         "迎新春岗位送温暖招聘会" };
  static const char * const starts[] = { "09:00", "09:00", "09:30", "13:30" };
  const char *start = starts[rng_below (r, G_N_ELEMENTS (starts))];
  const char *end = strcmp (start, "13:30") == 0 ? "16:30" : rng_chance (r, 0.5) ? "12:00" : "15:00";
  double lat, lon;
  guint n_ids, n_jobs;

  g_string_append_printf (title, "%.4s年%s%s", date_at (&g->dates, day), place,
                          month == 12 && rng_chance (r, 0.5)
                            ? winter[rng_below (r, G_N_ELEMENTS (winter))]
                            : themes[rng_below (r, G_N_ELEMENTS (themes))]);
  {
    const char * const kv[] = { "d", d->name, "c", c->full_name, "a", area, NULL };
    wh_gen_append_template (venue, pick (r, &g->t->venues), kv);
  }

  /* distinct employers of the same city */
  n_ids = pool && pool->len > 0 ? umin (pool->len, (guint) rng_range (r, 5, 40)) : 0;
  if (n_ids > 0)
    {
      guint start_at = rng_below (r, pool->len);
      guint step = 1 + rng_below (r, MAX (1u, pool->len / n_ids));

      for (guint k = 0; k < pool->len && ids->len < n_ids; k++)
        {
          gint64 eid = g_array_index (pool, gint64, (start_at + k * step) % pool->len);
          gboolean seen = FALSE;

          for (guint m = 0; m < ids->len && !seen; m++)
            seen = g_array_index (ids, gint64, m) == eid;
          if (!seen)
            g_array_append_val (ids, eid);
        }
      g_array_sort (ids, compare_ids);
    }
  n_jobs = ids->len * (guint) rng_range (r, 8, 40) + (guint) rng_range (r, 20, 200);
  g_string_append_printf (desc,
                          "本次招聘会预计有%u家用人单位参加，提供就业岗位%u个，涵盖%s、%s、%s等工种。"
                          "现场设有工会服务台，提供入会咨询、法律援助和职业指导。"
                          "请求职者携带身份证和个人简历，免费入场。",
                          MAX (ids->len, 5u), n_jobs,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade);
  wh_gen_jitter (r, d->lat, d->lon, 3.0, &lat, &lon);

  wh_record_set_text (record, "title", title->str);
  wh_record_set_text (record, "city", c->full_name);
  wh_record_set_int (record, "city_adcode", c->city_adcode);
  wh_record_set_text (record, "venue", venue->str);
  wh_record_take_text (record, "address", wh_gen_street_address (g, r, city, district, area));
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_text (record, "date", date_at (&g->dates, day));
  wh_record_set_text (record, "start_time", start);
  wh_record_set_text (record, "end_time", end);
  wh_record_set_intv (record, "employer_ids", (const gint64 *) (gpointer) ids->data, ids->len);
  wh_record_set_text (record, "description", desc->str);
}
