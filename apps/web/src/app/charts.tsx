'use client'

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'

const axis = { stroke: 'var(--muted)', fontSize: 12 }
const tooltip = {
  contentStyle: { background: 'var(--card)', border: '1px solid var(--line)', color: 'var(--fg)' },
  cursor: { fill: 'var(--line)' },
}

/** Page views per day over the window, with a date axis and a views axis. */
export function ViewsByDayChart({ data }: { data: { day: string; views: number }[] }) {
  return (
    <div data-testid="views-chart" role="img" aria-label="Page views per day">
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--line)" vertical={false} />
          <XAxis
            dataKey="day"
            tick={axis}
            tickFormatter={(d: string) => d.slice(5)}
            minTickGap={16}
          />
          <YAxis tick={axis} width={48} allowDecimals={false} />
          <Tooltip
            {...tooltip}
            formatter={(v) => [`${Number(v).toLocaleString('en')} views`, 'Views']}
          />
          <Bar dataKey="views" name="Views" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

/** Allowed and refused attempts per minute (UTC), stacked. */
export function RatelimitChart({
  data,
}: {
  data: { minute: string; allowed: number; blocked: number }[]
}) {
  return (
    <div
      data-testid="ratelimit-chart"
      role="img"
      aria-label="Allowed and blocked attempts per minute"
    >
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--line)" vertical={false} />
          <XAxis dataKey="minute" tick={axis} minTickGap={24} unit=" UTC" />
          <YAxis tick={axis} width={40} allowDecimals={false} />
          <Tooltip {...tooltip} />
          <Legend />
          <Bar
            dataKey="allowed"
            name="Allowed"
            stackId="a"
            fill="var(--green)"
            isAnimationActive={false}
          />
          <Bar
            dataKey="blocked"
            name="Blocked"
            stackId="a"
            fill="var(--red)"
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}
