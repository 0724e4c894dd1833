/**
 * The `status --watch` table's columns, and which of them fit a terminal. Every width counts
 * one blank column on the cell's right, so no cell ever runs into the next; a column that
 * does not fit is left out whole rather than drawn over its neighbour or past the edge.
 */

/** A column: its header, its width (gap included) and its cell's index in `instanceCells`. */
export interface WatchColumn {
  header: string;
  width: number;
  cell: number;
}

const ALL: WatchColumn[] = [
  { header: 'INSTANCE', width: 9, cell: 0 },
  { header: 'STATE', width: 9, cell: 1 },
  { header: 'ADDRESS/PID', width: 22, cell: 2 },
  { header: 'UP', width: 7, cell: 3 },
  { header: 'CONNS', width: 6, cell: 4 },
  { header: 'ROOMS', width: 6, cell: 5 },
  { header: 'IN/s', width: 7, cell: 6 },
  { header: 'OUT/s', width: 7, cell: 7 },
  { header: 'RSS', width: 9, cell: 8 },
  { header: 'LAGms', width: 6, cell: 9 },
  // A boot id is 12 characters; the 13th keeps it off the sparkline.
  { header: 'BOOT', width: 13, cell: 10 },
];

/** The headers as a row of cells (indexed as `instanceCells`). */
export const HEADER_CELLS: string[] = ALL.map((c) => c.header);

/** The rate sparkline, drawn after BOOT when the whole row fits. */
export const SPARK = { header: 'MSGS/s', width: 16, bars: 15 } as const;

/** Left out in this order, one at a time, until the table fits the terminal. */
const DROP_FIRST = ['ADDRESS/PID', 'RSS', 'LAGms', 'UP', 'ROOMS'];

export interface WatchLayout {
  columns: WatchColumn[];
  spark: boolean;
}

/** Columns wide: the last column's gap may fall past the edge. */
export function rowWidth(layout: WatchLayout): number {
  const sum = layout.columns.reduce((a, c) => a + c.width, 0);
  return (layout.spark ? sum + SPARK.width : sum) - 1;
}

/** The columns that fit `width` terminal columns, and whether the sparkline does too. */
export function watchLayout(width: number): WatchLayout {
  const full: WatchLayout = { columns: ALL, spark: true };
  if (rowWidth(full) <= width) return full;
  let layout: WatchLayout = { columns: ALL, spark: false };
  for (const header of DROP_FIRST) {
    if (rowWidth(layout) <= width) break;
    layout = { columns: layout.columns.filter((c) => c.header !== header), spark: false };
  }
  return layout;
}
