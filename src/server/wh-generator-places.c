/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator-places.c: the demo stations and merchants, for wh-generator.c's pipeline */
#define G_LOG_DOMAIN "wh-generator"

#include "config.h"

#include "wh-generator-private.h"

/* ---- stations and merchants ---------------------------------------------- */

void
wh_gen_station (Gen      *g,
                Rng      *r,
                gint64    id,
                WhRecord *record)
{
  static const double amenity_odds[] = { 0.92, 0.7, 0.55, 0.6, 0.88, 0.6, 0.45, 0.5 };
  /* operator of each of wh_gen_station_brands, before and after the city */
  static const char * const brand_operators[][2] = {
    { "顺丰速运有限公司", "" }, { "美团", "" }, { "京东物流", "" }, { "饿了么", "" },
    { "中国石化", "石油分公司" }, { "中国工商银行", "分行" },
  };
  static const char * const opens[] = { "07:00", "07:30", "08:00", "08:00", "08:30", "09:00" };
  static const char * const closes[] = { "18:00", "19:00", "20:00", "20:00", "20:30", "21:00",
                                         "22:00" };
  guint city = wh_gen_pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const List *areas = &g->t->cities[city].districts[district].areas;
  guint area_index = rng_below (r, areas->n);
  const char *area = areas->items[area_index];
  g_autofree char *road = wh_gen_road_name (g, r, city, area);
  gboolean is_district = g_str_has_suffix (d->name, "区");
  g_autofree char *name = NULL;
  g_autofree char *operator = NULL;
  const char *amenities[9];
  guint n_amenities = 0;
  double lat, lon;
  int kind = rng_range (r, 0, 99);
  int status = rng_range (r, 0, 99);

  if (kind < 35)
    {
      name = is_district ? g_strconcat (d->name, area, "街道户外劳动者服务站", NULL)
                         : g_strconcat (d->name, area, "社区户外劳动者服务站", NULL);
      operator = g_strconcat (d->name, "总工会", NULL);
    }
  else if (kind < 55)
    {
      static const char * const tails[] = { "站", "社区站", "服务点", "暖心站" };
      name = g_strconcat ("工会驿站·", area, tails[rng_below (r, G_N_ELEMENTS (tails))], NULL);
      operator = rng_chance (r, 0.5) ? g_strconcat (d->name, "总工会", NULL)
                                     : g_strconcat (area, is_district ? "街道总工会" : "社区工会联合会", NULL);
    }
  else if (kind < 80)
    {
      guint b = rng_below (r, g->t->brands.n);
      const char * const *op = brand_operators[b % G_N_ELEMENTS (brand_operators)];

      name = g_strdup_printf ("%s(%s%s店)", g->t->brands.items[b], area,
                              rng_chance (r, 0.4) ? road : "");
      operator = op[1][0] ? g_strconcat (op[0], c->name, op[1], NULL) : g_strdup (op[0]);
    }
  else if (kind < 92)
    {
      name = g_strconcat (area, "社区新就业形态劳动者暖心驿站", NULL);
      operator = g_strconcat (area, is_district ? "街道办事处" : "社区居委会", NULL);
    }
  else
    {
      name = g_strconcat (d->name, area, "环卫工人爱心休息室", NULL);
      operator = g_strconcat (d->name, "城市管理委员会", NULL);
    }

  for (guint k = 0; k < G_N_ELEMENTS (amenity_odds); k++)
    if (rng_chance (r, amenity_odds[k]))
      amenities[n_amenities++] = wh_amenities[k];
  amenities[n_amenities] = NULL;

  wh_gen_jitter (r, d->lat, d->lon, 8.0, &lat, &lon);
  g->station_lat[id - 1] = lat;
  g->station_lon[id - 1] = lon;
  g->station_city[id - 1] = (guint16) city;
  g->station_district[id - 1] = (guint8) district;
  g->station_area[id - 1] = (guint16) area_index;

  wh_record_set_text (record, "name", name);
  wh_record_take_text (record, "address",
                       g_strdup_printf ("%s%s%s%d号", c->full_name, d->name, road,
                                        rng_range (r, 1, 399)));
  wh_gen_set_region (record, c, district);
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_strv (record, "amenities", amenities);
  if (rng_chance (r, 0.4))
    wh_record_set_bool (record, "open_24h", TRUE);
  else
    {
      wh_record_set_bool (record, "open_24h", FALSE);
      wh_record_set_text (record, "opens", opens[rng_below (r, G_N_ELEMENTS (opens))]);
      wh_record_set_text (record, "closes", closes[rng_below (r, G_N_ELEMENTS (closes))]);
    }
  wh_record_set_text (record, "status", status < 92 ? "open" : status < 97 ? "maintenance" : "closed");
  if (rng_chance (r, 0.2))
    {
      guint n_photos = (guint) rng_range (r, 1, 3);
      char *photos[4] = { NULL };

      for (guint k = 0; k < n_photos; k++)
        photos[k] = g_strdup_printf ("stations/%" G_GINT64_FORMAT "-%u.svg", id, k + 1);
      wh_record_set_strv (record, "photos", (const char * const *) photos);
      for (guint k = 0; k < n_photos; k++)
        g_free (photos[k]);
    }
  wh_record_take_text (record, "phone", rng_chance (r, 0.7) ? wh_gen_landline (c, r)
                                                          : wh_gen_mobile_phone (r, FALSE));
  wh_record_set_text (record, "operator", operator);
}

void
wh_gen_merchant (Gen      *g,
                 Rng      *r,
                 gint64    id,
                 WhRecord *record)
{
  static const char * const lunch_dinner[] = { "11:00-13:30", "17:00-19:30", NULL };
  static const char * const lunch[] = { "11:30-14:00", NULL };
  static const char * const three[] = { "06:30-09:00", "11:00-13:30", "17:00-20:00", NULL };
  /* canteens and convenience stores that feed night-shift workers too */
  static const char * const all_day[] = { "00:00-24:00", NULL };
  guint station = rng_below (r, g->scale->stations);
  guint city = g->station_city[station];
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = g->station_district[station];
  const char *area = g->t->cities[city].districts[district].areas.items[g->station_area[station]];
  g_autoptr(GString) name = g_string_new (NULL);
  double lat, lon;
  int quota = rng_range (r, 4, 20) * 5;
  int w = rng_range (r, 0, 99);

  if (rng_chance (r, 0.55))
    {
      const char * const kv[] = { "s", pick (r, &g->t->surnames), "a", area, NULL };
      wh_gen_append_template (name, pick (r, &g->t->restaurants), kv);
    }
  else
    g_string_append_printf (name, "%s(%s店)", pick (r, &g->t->chains), area);
  wh_gen_jitter (r, g->station_lat[station], g->station_lon[station], 0.6, &lat, &lon);

  wh_record_set_text (record, "name", name->str);
  wh_record_take_text (record, "address", wh_gen_street_address (g, r, city, district, area));
  wh_gen_set_region (record, c, district);
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_strv (record, "windows", w < 70 ? lunch_dinner : w < 85 ? lunch :
                                         w < 93 ? three : all_day);
  wh_record_set_int (record, "daily_quota", quota);
  wh_record_set_int (record, "remaining_today", quota);
  wh_record_set_text (record, "quota_day", date_at (&g->dates, 0));
  wh_record_set_int (record, "station_id", station + 1);
  wh_record_take_text (record, "phone", wh_gen_mobile_phone (r, FALSE));
}
