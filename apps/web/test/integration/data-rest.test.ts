import { dataCases } from './data-cases'

dataCases('rest')
