/** The signed-in device a socket speaks for: who pushes, pulls, types and is present. */
export interface Author {
  userId: string;
  deviceId: string;
}
